"""The builder assembles the same program whichever way its parts are made.

Row families finished on the build's second thread (``Builder.finish_rows``) must give
the arrays one thread gives, bit for bit, on the base case and on generated models; terms
given out of order are sorted and zeros dropped.  (The row-order fast paths of
``model/rowruns.py`` were removed: see docs/benchmarks.md.)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from capplan.generate import Spec, generate_folder
from capplan.model.algebra import Builder
from capplan.model.build import build_model
from capplan.model.lp import LinearProgram
from capplan.pipeline import load

ROOT = Path(__file__).resolve().parents[1]


def assert_identical(a: LinearProgram, b: LinearProgram) -> None:
    for attr in ("c", "row_lb", "row_ub", "col_lb", "col_ub", "integer"):
        x, y = getattr(a, attr), getattr(b, attr)
        assert x.dtype == y.dtype and np.array_equal(x, y), attr
    for attr in ("indptr", "indices", "data"):
        x, y = getattr(a.A, attr), getattr(b.A, attr)
        assert x.dtype == y.dtype and np.array_equal(x, y), attr
    assert a.A.has_canonical_format and b.A.has_canonical_format
    assert (a.maximize, a.c0, a.name) == (b.maximize, b.c0, b.name)
    for blocks in ("var_blocks", "row_blocks"):
        x, y = getattr(a, blocks), getattr(b, blocks)
        assert list(x) == list(y)
        for name in x:
            assert x[name].start == y[name].start and x[name].index.equals(y[name].index)


@pytest.mark.parametrize(
    "spec",
    [
        None,
        Spec(seed=1, regions=7, parts=6, periods=5, zones=3, campaigns=4),
        Spec(seed=3, regions=6, parts=4, periods=30, period_length="month", policies=True),
        Spec(seed=4, regions=4, parts=3, periods=8, period_length="quarter", campaigns=0),
    ],
    ids=["base", "year", "month-policies", "no-campaigns"],
)
def test_threaded_build_gives_the_single_thread_program(
    spec: Spec | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Families finished on the second thread give the program one thread makes."""
    if spec is None:
        path = ROOT / "models" / "base.yaml"
    else:
        generate_folder(spec, tmp_path / "m")
        path = tmp_path / "m" / "model.yaml"
    _, tables = load(path, allow_outside=True)
    threaded = build_model(tables).lp
    monkeypatch.setattr(Builder, "finish_rows", lambda self, rows, executor=None: None)
    single = build_model(tables).lp
    assert_identical(threaded, single)


def test_terms_out_of_order_are_sorted_and_zeros_dropped() -> None:
    b = Builder({"r": pd.Index(["a", "b"]), "c": pd.Index(list("vwxyz"))})
    cols = b.add_variables("x", ("c",))
    rows = b.add_rows("row", ("r",), ub=1.0)
    # row a: columns 3-4 then 0 (out of order); row b: 1 with a zero coefficient, and 2
    b.add_terms(rows, {"r": np.array([0, 0])}, cols.ids[3:5], 5.0)
    b.add_terms(rows, {"r": np.array([0, 1])}, cols.ids[[0, 1]], [7.0, 0.0])
    b.add_terms(rows, {"r": np.array([1])}, np.array([2]), 3.0)
    b.add_objective(cols, 1.0)
    lp = b.build(maximize=False)
    dense = np.array([[7, 0, 0, 5, 5], [0, 0, 3, 0, 0]], dtype=float)
    np.testing.assert_array_equal(lp.A.toarray(), dense)
    assert lp.A.has_canonical_format and lp.A.nnz == 4


def test_finished_rows_take_no_more_terms() -> None:
    b = Builder({"r": pd.Index(["a"]), "c": pd.Index(["v", "w"])})
    cols = b.add_variables("x", ("c",))
    rows = b.add_rows("row", ("r",), ub=1.0)
    b.add_terms(rows, {"r": np.zeros(2, dtype=np.int64)}, cols.ids, [1.0, 2.0])
    b.finish_rows(rows)
    with pytest.raises(ValueError, match="finished"):
        b.add_terms(rows, {"r": np.zeros(1, dtype=np.int64)}, cols.ids[:1], 1.0)
    lp = b.build(maximize=True)
    assert isinstance(lp.A, sp.csr_matrix)
    np.testing.assert_array_equal(lp.A.toarray(), [[1.0, 2.0]])
