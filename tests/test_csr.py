"""capplan.model.csr: the builder's CSR arrays against SciPy's (the reference).

Random triplets with repeated (row, column) pairs and rows left empty: the canonical
form (indptr, sorted indices) is SciPy's exactly; values agree exactly where a pair
repeats at most twice (a + b is b + a) and to rounding otherwise; the products
A @ x and |A| @ x agree with SciPy's to the last bit.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from capplan.model import csr
from capplan.model.csr import Csr


def _triplets(seed: int, m: int, n: int, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, m, size=k)
    cols = rng.integers(0, n, size=k)
    vals = rng.normal(size=k) * 10.0 ** rng.integers(-3, 4, size=k)
    return rows, cols, vals


@pytest.mark.parametrize("via_scipy", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_triplets_give_scipys_canonical_matrix(
    seed: int, via_scipy: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both ways (NumPy below SCIPY_FROM triplets, SciPy from there)."""
    monkeypatch.setattr(csr, "SCIPY_FROM", 0 if via_scipy else 10**9)
    m, n, k = 40, 30, 300  # about a quarter of the entries repeat a (row, column) pair
    rows, cols, vals = _triplets(seed, m, n, k)
    ours = Csr.from_triplets(rows, cols, vals, (m, n), np.int32)
    ref = sp.csr_matrix((vals, (rows, cols)), shape=(m, n))
    ref.sum_duplicates()
    assert ours.shape == ref.shape and ours.nnz == ref.nnz
    assert np.array_equal(ours.indptr, ref.indptr) and np.array_equal(ours.indices, ref.indices)
    assert ours.indptr.dtype == np.int32 and ours.indices.dtype == np.int32
    np.testing.assert_allclose(ours.data, ref.data, rtol=1e-13, atol=1e-300)
    pairs = rows.astype(np.int64) * n + cols
    _, counts = np.unique(pairs, return_counts=True)
    if counts.max() <= 2:
        assert np.array_equal(ours.data, ref.data)
    as_scipy = ours.to_scipy()
    assert as_scipy.has_canonical_format and as_scipy is ours.to_scipy()  # made once
    x = np.random.default_rng(seed + 100).normal(size=n)
    assert np.array_equal(ours.matvec(x), as_scipy @ x)
    assert np.array_equal(ours.matvec(np.abs(x), absolute=True), abs(as_scipy) @ np.abs(x))


def test_sorted_triplets_are_taken_as_they_are_and_parts_stack() -> None:
    a = Csr.from_triplets(
        np.array([0, 0, 2]), np.array([1, 3, 0]), np.array([1.0, 2.0, 3.0]), (3, 4), np.int32
    )
    assert a.indptr.tolist() == [0, 2, 2, 3] and a.indices.tolist() == [1, 3, 0]
    b = Csr.from_triplets(
        np.array([1, 0]), np.array([2, 2]), np.array([5.0, 4.0]), (2, 4), np.int32
    )
    both = Csr.vstack([a, b], 4, np.int32)
    ref = sp.vstack([a.to_scipy(), b.to_scipy()], format="csr")
    assert both.shape == (5, 4)
    assert np.array_equal(both.indptr, ref.indptr) and np.array_equal(both.indices, ref.indices)
    assert np.array_equal(both.data, ref.data)
    assert both.to_scipy().toarray().tolist() == [
        [0, 1, 0, 2],
        [0, 0, 0, 0],
        [3, 0, 0, 0],
        [0, 0, 4, 0],
        [0, 0, 5, 0],
    ]
    empty = Csr.from_triplets(np.zeros(0, int), np.zeros(0, int), np.zeros(0), (2, 3), np.int32)
    assert empty.indptr.tolist() == [0, 0, 0] and empty.matvec(np.ones(3)).tolist() == [0, 0]


def test_solve_reaches_the_solver_without_scipy() -> None:
    """``capplan solve`` on the base case never imports scipy.sparse (0.12 s)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = (
        "import sys, tempfile\n"
        "from capplan.pipeline import solve\n"
        "run = solve('models/base.yaml', out=tempfile.mkdtemp() + '/run', record=False)\n"
        "assert run.result.status.has_solution\n"
        "print('scipy.sparse' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "False", done.stdout
