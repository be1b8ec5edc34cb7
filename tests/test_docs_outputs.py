"""The docs stay true to the code: every output column, summary key and row family is
documented in docs/outputs.md and docs/model.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from capplan.model import constraints
from capplan.pipeline import Run, solve
from tests.tiny import case

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return solve(case(tmp_path_factory.mktemp("tiny")), write=False)


def _documented(text: str) -> set[str]:
    return set(re.findall(r"`([a-z_0-9.]+)`", text))


def test_every_output_column_is_documented(tiny_run: Run) -> None:
    text = (DOCS / "outputs.md").read_text()
    names = _documented(text)
    for table, frame in tiny_run.tables.items():
        assert f"{table}.csv" in text, table
        missing = [c for c in frame.columns if c not in names]
        assert not missing, f"{table}.csv columns not in docs/outputs.md: {missing}"


def test_every_summary_key_is_documented(tiny_run: Run) -> None:
    names = _documented((DOCS / "outputs.md").read_text())

    def keys(data: dict[str, object], prefix: str = "") -> list[str]:
        out = []
        for key, value in data.items():
            if isinstance(value, dict) and key not in ("versions",):
                out += keys(value, f"{prefix}{key}.")  # type: ignore[arg-type]
            else:
                out.append(f"{prefix}{key}")
        return out

    missing = [
        k for k in keys(tiny_run.summary) if k not in names and k.split(".")[-1] not in names
    ]
    assert not missing, f"summary.json keys not in docs/outputs.md: {missing}"


def test_every_constraint_family_is_in_the_model_doc(tiny_run: Run) -> None:
    text = (DOCS / "model.md").read_text()
    for name in dir(constraints):
        if name.startswith("define_"):
            assert f"`{name}`" in text, name
    for family in tiny_run.model.lp.row_blocks:
        assert f"`{family}`" in text or f"{family}[" in text, family
