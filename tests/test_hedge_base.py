"""The shipped export-control tree on the base case (minutes: run with CAPPLAN_SLOW=1).

The hedged FY2026 commitment differs from the deterministic base plan (docs/hedge.md
explains why), and not by a solver tolerance: the best hedge that keeps the base plan's
number of China data-centre modules in FY2026 has a proven bound below the hedged plan.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from capplan.backends.base import SolveOptions
from capplan.config.futures import load_futures
from capplan.hedge import hedge
from capplan.hedge.futures_model import build_futures
from capplan.hedge.overlay import BaseInputs
from capplan.hedge.program import stack
from capplan.hedge.values import run_solve

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "base.yaml"
pytestmark = pytest.mark.skipif(
    not os.environ.get("CAPPLAN_SLOW"), reason="minutes on the base case: set CAPPLAN_SLOW=1"
)


def test_export_control_hedge_commits_differently_from_the_base_plan() -> None:
    run = hedge(MODEL, "export_control", write=False, mip_gap=1e-4)
    versus = run.tables["commit_now_vs_base"]
    changed = versus[versus["change"] != 0]
    assert not changed.empty, versus
    assert run.summary["value_of_information"]["VSS"]["value"] is not None


def test_the_difference_is_proven() -> None:
    """Fix China's FY2026 modules to the base plan's count: the bound of that restricted
    hedge is below the unrestricted hedge's plan, so no plan with the base count is as
    good as the hedged one."""
    base = BaseInputs.load(MODEL)
    futures = load_futures(
        ROOT / "models/futures/export_control.yaml", list(base.config.model.horizon.periods), MODEL
    )
    members = [f.member for f in build_futures(base, futures)]
    stacked = stack(members)
    options = SolveOptions(mip_gap=1e-5, time_limit_s=1800)
    free = run_solve("RP", stacked.lp, "highs", options)
    keys, cols = stacked.root()
    col = cols[keys.index("build[China,FY2026]")]
    assert free.x is not None and free.bracket is not None
    hedged = float(free.x[col])
    base_plan = run_solve("base", members[0].lp, "highs", options)  # 'kept' = the base case
    assert base_plan.x is not None
    base_count = float(
        base_plan.x[
            members[0].stage_cols[0][list(members[0].stage_keys[0]).index("build[China,FY2026]")]
        ]
    )
    assert hedged != base_count
    lb, ub = stacked.lp.col_lb.copy(), stacked.lp.col_ub.copy()
    lb[col] = ub[col] = base_count
    fixed = run_solve("fixed", stacked.lp.with_bounds(col_lb=lb, col_ub=ub), "highs", options)
    assert fixed.bracket is not None and np.isfinite(fixed.bracket[1])
    assert fixed.bracket[1] < free.bracket[0], (fixed.bracket, free.bracket)
