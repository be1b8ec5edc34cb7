"""The first hedged plan by relax-and-fix (capplan.hedge.start), worked by hand.

Two futures A and B, probability 1/2 each, with the same program:

    maximise 3 y + 5.9 z   subject to   y + 2 z <= 3,   y in {0, 1, 2},   z in {0, 1, ...}

where y is decided in the first stage (shared) and z in the second (each future its
own).  Stage 0 of relax-and-fix keeps y whole and relaxes z: y = 2 leaves z = 0.5 and
earns 6 + 2.95 = 8.95 against 8.9 for y = 1 (z = 1) and 8.85 for y = 0 (z = 1.5), so it
fixes y = 2; stage 1 then has z = 0: the start is worth 6.  The optimum is y = 1, z = 1,
worth 8.9: the start is a first plan, and the hedge still finds the optimum from it.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from capplan.backends import get_backend
from capplan.backends.base import SolveOptions
from capplan.hedge.program import Member, stack
from capplan.hedge.start import column_stages, relax_and_fix, timed_start
from capplan.hedge.values import solve_hedge
from capplan.model.lp import LinearProgram

EXACT = SolveOptions(mip_gap=1e-9)


def _future(name: str) -> Member:
    lp = LinearProgram(
        c=np.array([3.0, 5.9]),
        matrix=sp.csr_matrix(np.array([[1.0, 2.0]])),
        row_lb=np.array([-np.inf]),
        row_ub=np.array([3.0]),
        col_lb=np.zeros(2),
        col_ub=np.array([2.0, np.inf]),
        integer=np.array([True, True]),
        maximize=True,
    )
    cols = (np.array([0]), np.array([1]))
    return Member(name, 0.5, lp, ("root", name), (("y",), ("z",)), cols)


def test_stages_of_the_columns() -> None:
    stacked = stack([_future("A"), _future("B")])
    stages = column_stages(stacked)
    (_, root_cols) = stacked.root()
    assert stages[root_cols].tolist() == [0]
    assert sorted(stages.tolist()) == [0, 1, 1]  # y, then z of A and z of B


def test_relax_and_fix_fixes_each_stage_in_turn() -> None:
    stacked = stack([_future("A"), _future("B")])
    x = relax_and_fix(stacked, "highs", EXACT)
    assert x is not None
    (_, root_cols) = stacked.root()
    assert x[root_cols].tolist() == [2.0]  # y = 2 with z relaxed (8.95 > 8.9 > 8.85)
    assert sorted(np.delete(x, root_cols).tolist()) == [0.0, 0.0]
    assert stacked.lp.objective_value(x) == pytest.approx(6.0)
    assert stacked.lp.max_violation(x) <= 1e-9


def test_the_hedge_finds_the_optimum_from_the_start() -> None:
    hedged = solve_hedge([_future("A"), _future("B")], "highs", EXACT, values=False)
    assert hedged.rp.status == "optimal"
    assert hedged.rp.value == pytest.approx(8.9)  # y = 1, z = 1: not the start's 6
    assert all(plan.tolist() == [1.0, 1.0] for plan in hedged.plans)
    assert hedged.first is not None and hedged.first.value == pytest.approx(6.0)  # its start


def test_the_start_leaves_the_search_as_it_was() -> None:
    """The start is offered as a first plan only: HiGHS's heuristics and restarts stay on
    (``start_focus=False``), and the time limit left is the rest of the hedge's."""
    stacked = stack([_future("A"), _future("B")])
    x, seconds, options = timed_start(stacked, "highs", SolveOptions(time_limit_s=60.0))
    assert x is not None and seconds >= 0.0
    assert options.start_focus is False
    assert options.time_limit_s is not None and options.time_limit_s <= 60.0
    result = get_backend("highs").solve(stacked.lp, options, start=x)
    assert result.options["mip_start"] == "given (feasible: a first plan, the search as without it)"
    assert result.objective == pytest.approx(8.9)


def test_no_start_for_one_stage_or_no_integers() -> None:
    one = _future("A")
    single = Member("only", 1.0, one.lp, ("root",), (("y", "z"),), (np.array([0, 1]),))
    assert relax_and_fix(stack([single]), "highs", EXACT) is None
    relaxed = [
        Member(
            m.name,
            m.probability,
            m.lp.with_bounds(integer=np.zeros(2, dtype=bool)),
            m.nodes,
            m.stage_keys,
            m.stage_cols,
        )
        for m in (_future("A"), _future("B"))
    ]
    assert relax_and_fix(stack(relaxed), "highs", EXACT) is None
