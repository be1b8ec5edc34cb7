"""The registry of constraint families is complete, documented and what the build makes.

Every ``define_*`` function of model/constraints.py is registered; every registered family
is stated (``name[...]:`` or ``name:``) in its function's docstring with its unit, has
words, and is the row block the build makes, with the registered dimensions; the table of
families in docs/outputs.md says what the registry says.  Params declares the dimensions
of every array it holds.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import numpy as np
import pytest

from capplan.model import constraints
from capplan.model.build import build_model
from capplan.model.families import FAMILIES, REPORTED, definitions
from capplan.model.params import DIMS, Params
from capplan.pipeline import load
from tests.tiny import case

ROOT = Path(__file__).resolve().parents[1]
UNIT_WORDS = {"MW": "MW", "units": "units", "ZFLOP": "ZFLOP", "PFLOPS": "PFLOPS", "RMB M": "RMB"}


def test_every_define_function_is_registered() -> None:
    defined = {
        f
        for name, f in inspect.getmembers(constraints, inspect.isfunction)
        if name.startswith("define_")
    }
    assert defined == set(definitions())
    assert len(FAMILIES) == len({f.name for f in FAMILIES})


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.name)
def test_each_family_states_its_algebra_unit_and_words(family) -> None:  # type: ignore[no-untyped-def]
    doc = inspect.getdoc(family.define) or ""
    stated = [line for line in doc.splitlines() if re.search(rf"\b{family.name}(\[|:)", line)]
    assert stated, f"{family.name}: no algebra in {family.define.__name__}'s docstring"
    assert family.sense in " ".join(stated) or family.sense in doc
    if family.kind == "internal":
        return
    assert UNIT_WORDS[family.unit] in doc, f"{family.name}: unit {family.unit} not in docstring"
    keys = {d: f"<{d}>" for d in family.dims}
    words = family.row_words(keys, " of 10%")
    assert all(f"<{d}>" in words for d in family.dims), words
    assert family.one_more and family.value_unit
    if family.kind != "policy":
        assert family.amount(3.0, money="RMB 3.0 million", flop="3e21").strip()


def test_the_build_makes_the_registered_families(tmp_path: Path) -> None:
    model = build_model(
        load(case(tmp_path, policy={"state_share": {}, "min_domestic_share_china": 0.1}))[1]
    )
    made = {name: block.dims for name, block in model.rows.items()}
    registered = {f.name: f.dims for f in FAMILIES}
    assert set(made) <= set(registered)
    assert {n: registered[n] for n in made} == made
    assert list(made) == [f.name for f in FAMILIES if f.name in made]  # in registry order
    assert {"power", "supply", "compute", "demand", "budget_total", "domestic_share"} <= set(made)


def test_docs_outputs_lists_the_reported_families() -> None:
    text = (ROOT / "docs" / "outputs.md").read_text()
    header = "| family | keys | sense |"
    lines = text[text.index(header) :].splitlines()[2:]
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    documented = [
        (name.strip("`"), keys, sense.strip("`"), unit, value_unit, meaning)
        for name, keys, sense, unit, value_unit, meaning in rows
    ]
    shown_unit = {"MW": "MW IT", "RMB M": "RMB M (nominal)"}
    expected = [
        (
            f.name,
            ", ".join(f.dims) or "-",
            f.sense,
            shown_unit.get(f.unit, f.unit),
            f.value_unit,
            f.one_more,
        )
        for f in REPORTED
    ]
    assert documented == expected


def test_params_declare_every_array_with_named_dims(tmp_path: Path) -> None:
    p = build_model(load(case(tmp_path))[1]).params
    arrays = {name for name, value in vars(p).items() if isinstance(value, np.ndarray)}
    assert arrays == set(DIMS)
    assert p.dims["pod_capex"] == ("region", "part", "period")
    region, part, period = (p.sets[d][0] for d in ("region", "part", "period"))
    assert p.select("pod_capex", region=region, part=part, period=period) == p.pod_capex[0, 0, 0]
    assert p.select("pod_capex", period=period).shape == p.pod_capex[:, :, 0].shape
    with pytest.raises(KeyError, match="segment"):
        p.select("pod_capex", segment="x")
    fields = dict(vars(p))
    fields["pod_capex"] = p.pod_capex[:, :, :0]
    with pytest.raises(ValueError, match="pod_capex"):
        Params(**fields)


def test_the_pulp_reference_stays_with_the_benchmarks() -> None:
    """The independent PuLP model (bench/reference.py) is a check, never part of capplan."""
    src = ROOT / "src" / "capplan"
    users = [
        path.relative_to(src).as_posix()
        for path in src.rglob("*.py")
        if "bench.reference" in path.read_text() and path.parent.name != "bench"
    ]
    assert users == []
    assert "bench.reference" in (src / "bench" / "worker.py").read_text()  # the scan works


def test_report_and_compare_name_rows_in_the_registry_words() -> None:
    import pandas as pd

    from capplan.report.charts import _row_label
    from capplan.results.compare.story import _limit

    keys = dict.fromkeys(
        ["period", "region", "part", "market", "segment", "campaign", "vendor"], ""
    )
    row = {**keys, "family": "supply", "part": "H20", "market": "china", "period": "FY2026"}
    assert _row_label(pd.Series(row)) == "the supply of H20 for china in FY2026"
    assert _limit(row) == "the supply of H20 for china in FY2026"
    other = {**keys, "family": "retired_family", "region": "CN"}
    assert _row_label(pd.Series(other)) == "CN" and _limit(other) == "retired_family"
