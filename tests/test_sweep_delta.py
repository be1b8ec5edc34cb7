"""The sweep's fast path (capplan.sweep.delta, capplan.sweep.figures) against the full path.

On the base case and real samples of models/sweeps/base_mc.yaml: the delta gives the same
validated tables, model tables and program (arrays equal) as ``capplan.library.edit``;
a worker's row (status, objective, KPIs, per-period figures) is the same both ways; a
structural edit (a part's eligibility in a region) goes through the delta with every model
table derived again; removed rows, a policy override and a bad value fall back to the
full path, and the row is then the full path's.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from capplan.config.sweeps import draw_samples, read_sweep, scenario_mapping
from capplan.library import Inputs, SolveRequest, build, edit, load
from capplan.sweep.delta import Delta
from capplan.sweep.worker import Request, run_request

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "base.yaml"
SWEEP = ROOT / "models" / "sweeps" / "base_mc.yaml"
TIMING = {"seconds", "solve_s", "worker_pid"}


@pytest.fixture(scope="module")
def base() -> Inputs:
    return load(SolveRequest(MODEL))


@pytest.fixture(scope="module")
def mappings() -> list[dict[str, Any]]:
    """Samples 0-5 of the base case's Monte Carlo; sample 2 has the H20 revocation."""
    spec = read_sweep(SWEEP)
    samples = draw_samples(spec)[:6]
    out = [scenario_mapping(spec, s) for s in samples]
    assert sum(len(m["edits"]) == 5 for m in out) >= 1, "no sample with the event"
    return out


def assert_same_inputs(fast: Inputs, full: Inputs) -> None:
    assert fast.config.input_hash == full.config.input_hash
    assert fast.config.model == full.config.model
    assert set(fast.config.tables) == set(full.config.tables)
    for name, frame in full.config.tables.items():
        pd.testing.assert_frame_equal(fast.config.tables[name], frame, check_exact=True)
    for f in fields(full.tables):
        a, b = getattr(fast.tables, f.name), getattr(full.tables, f.name)
        if isinstance(b, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, check_exact=True)
        elif isinstance(b, pd.Series | pd.Index):
            assert a.equals(b), f.name
        else:
            assert a == b, f.name
    lp_fast, lp_full = build(fast).lp, build(full).lp
    for name in ("c", "col_lb", "col_ub", "row_lb", "row_ub", "integer"):
        assert np.array_equal(getattr(lp_fast, name), getattr(lp_full, name)), name
    assert lp_fast.A.shape == lp_full.A.shape
    assert (lp_fast.A != lp_full.A).nnz == 0
    assert lp_fast.c0 == lp_full.c0


def test_delta_gives_the_full_paths_tables_and_program(
    base: Inputs, mappings: list[dict[str, Any]]
) -> None:
    delta = Delta(base)
    for i, mapping in enumerate(mappings):
        fast = delta.edit(mapping, f"sample {i}")
        assert fast is not None, f"sample {i} fell back"
        assert fast.tables.campaigns is base.tables.campaigns  # not derived again
        assert_same_inputs(fast, edit(base, mapping, label=f"sample {i}"))
    # the program does change with the sample (the comparison above can fail)
    one, two = (build(delta.edit(m, "x") or base).lp for m in mappings[:2])  # type: ignore[arg-type]
    assert not np.array_equal(one.row_ub, two.row_ub) or not np.array_equal(one.c, two.c)


def _request(base: Inputs, mapping: dict[str, Any], sample: int) -> Request:
    return Request(
        model=str(MODEL),
        scenarios=(),
        sets=(),
        base_hash=base.config.input_hash,
        sample=sample,
        mapping=mapping,
        backend="highs",
        time_limit_s=60.0,
        mip_gap=1e-3,
    )


def _rows(req: Request) -> tuple[dict[str, Any], dict[str, Any]]:
    fast, full = run_request(req, fast=True), run_request(req, fast=False)
    return (
        {k: v for k, v in fast.items() if k not in TIMING},
        {k: v for k, v in full.items() if k not in TIMING},
    )


def test_a_workers_row_is_the_same_both_ways(base: Inputs, mappings: list[dict[str, Any]]) -> None:
    event = next(i for i, m in enumerate(mappings) if len(m["edits"]) == 5)
    for i in sorted({0, event}):
        fast, full = _rows(_request(base, mappings[i], i))
        assert fast["status"] == "optimal"
        assert fast == full
        assert len(fast["periods"]) == 3 and fast["kpis"]["npv_rmb_m"] is not None


def test_a_structural_edit_goes_through_the_delta(base: Inputs) -> None:
    """Brazil may no longer host the Ascend 910C: eligibility changes, so every model
    table is derived again (campaign options depend on it)."""
    mapping = {
        "edits": [
            {"table": "eligibility", "where": {"part": "Ascend 910C"}, "set": {"allowed": False}},
            {"table": "regions", "where": {"region": "Brazil"}, "scale": {"capex_per_mw_m": 1.5}},
        ]
    }
    fast = Delta(base).edit(mapping, "structure")
    assert fast is not None
    full = edit(base, mapping, label="structure")
    assert not full.tables.eligible.equals(base.tables.eligible)
    assert_same_inputs(fast, full)


@pytest.mark.parametrize(
    ("mapping", "status"),
    [
        pytest.param(
            {"remove": [{"table": "regions", "where": {"region": "Brazil"}}]},
            "optimal",
            id="remove",
        ),
        pytest.param(
            {"overrides": {"policy": {"state_share": {"CN": 0.5}}}}, "optimal", id="policy"
        ),
        pytest.param(
            {"edits": [{"table": "supply", "where": {"part": "H20"}, "scale": {"units": -1.0}}]},
            "error",
            id="bad-value",
        ),
    ],
)
def test_what_the_delta_does_not_take_falls_back_to_the_full_path(
    base: Inputs, mapping: dict[str, Any], status: str
) -> None:
    assert Delta(base).edit(mapping, "sample 9") is None
    fast, full = _rows(_request(base, mapping, 9))
    assert fast == full
    assert fast["status"] == status
    if status == "error":  # the load's own message, naming the sample and the column
        assert "sample 9" in fast["reason"] and "units" in fast["reason"]


def test_the_touched_rows_are_checked_and_the_base_is_left_alone(base: Inputs) -> None:
    """A negative factor on the H20 rows is caught by the row check of the touched rows;
    the base's tables are not changed in place by either sample."""
    delta = Delta(base)
    before = base.config.tables["supply"].copy()
    ok = {"edits": [{"table": "supply", "where": {"part": "H20"}, "scale": {"units": 0.5}}]}
    bad = {"edits": [{"table": "supply", "where": {"part": "H20"}, "scale": {"units": -0.5}}]}
    done = delta.edit(ok, "ok")
    assert done is not None
    assert not done.config.tables["supply"].equals(before)
    assert delta.edit(bad, "bad") is None
    pd.testing.assert_frame_equal(base.config.tables["supply"], before, check_exact=True)
