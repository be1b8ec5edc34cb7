"""Generated docs stay current: docs/inputs.md from the schema, docs/cli.md from --help.

After changing src/capplan/config/schema.py or a command, run ``python -m capplan.docgen``
from the repository root and commit the two files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from capplan.config import schema
from capplan.docgen import (
    cli_markdown,
    command_help,
    describe,
    inputs_markdown,
    main,
    yaml_sections,
)

DOCS = Path(__file__).resolve().parents[1] / "docs"
FIX = "stale: run `python -m capplan.docgen` from the repository root and commit the result"


def test_inputs_doc_is_current() -> None:
    assert (DOCS / "inputs.md").read_text() == inputs_markdown(), f"docs/inputs.md {FIX}"


def test_cli_doc_is_current() -> None:
    assert (DOCS / "cli.md").read_text() == cli_markdown(), f"docs/cli.md {FIX}"


def test_every_input_field_is_documented_with_a_meaning() -> None:
    text = (DOCS / "inputs.md").read_text()
    roots = [schema.ModelFile, schema.Policy, getattr(schema, "ScenarioFile", schema.Policy)]
    models = [*roots, *schema.TABLE_ROWS.values()]
    models += [sub for root in roots for _, sub in yaml_sections(root)]
    seen = 0
    for model in models:
        for name, info in model.model_fields.items():
            assert describe(model, name, info), f"{model.__name__}.{name} has no meaning"
            assert f"`{info.alias or name}`" in text, f"{model.__name__}.{name} not documented"
            seen += 1
    assert seen > 60
    for file in ["regions.csv", "parts.csv", "supply.csv", "policy.yaml", "campaigns.csv"]:
        assert file in text


def test_input_bounds_are_in_the_doc() -> None:
    text = (DOCS / "inputs.md").read_text()
    row = re.search(r"^\| `pue` \| (.+?) \|", text, flags=re.M)
    assert row is not None and row.group(1) == "number (>= 1, <= 3)"
    row = re.search(r"^\| `wacc` \| (.+?) \| (.+?) \|", text, flags=re.M)
    assert row is not None and row.groups() == ("number (>= 0, < 1)", "required")


def test_every_command_has_help_with_an_example_and_is_in_the_doc() -> None:
    helps = command_help()
    text = (DOCS / "cli.md").read_text()
    assert {"solve", "validate", "report", "export", "solvers"} <= set(helps)
    for name, help_text in helps.items():
        example = "Example: capplan" + ("" if name == "capplan" else f" {name}")
        assert example in help_text, f"capplan {name} --help has no example"
        title = "capplan" if name == "capplan" else f"capplan {name}"
        assert f"## `{title}`" in text


def test_check_mode_reports_stale_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--docs", str(tmp_path), "--check"]) == 1
    assert "stale" in capsys.readouterr().err
    assert main(["--docs", str(tmp_path)]) == 0
    assert main(["--docs", str(tmp_path), "--check"]) == 0
    assert (tmp_path / "inputs.md").read_text() == inputs_markdown()
