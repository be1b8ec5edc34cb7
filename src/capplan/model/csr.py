"""A sparse matrix as plain CSR arrays, built with NumPy alone.

The builder (:mod:`capplan.model.algebra`) assembles the constraint matrix here and the
HiGHS backend hands these arrays to ``passModel`` as they are, so ``capplan solve``
reaches the solver without importing SciPy: ``import scipy.sparse`` costs about 0.12 s
(SciPy's array-API layer imports much of NumPy), which the command now spends while
HiGHS works (:func:`capplan.backends.highs_backend.prefetch`).  Everything after the
solve that does linear algebra on the matrix reads ``LinearProgram.A``, the same matrix
as a ``scipy.sparse.csr_matrix``, made on first use.

Canonical form, as SciPy's: row by row, column indices strictly increasing (sorted, no
duplicates); duplicates of a (row, column) are summed in the order they were given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import scipy.sparse as sp

SCIPY_FROM = 250_000  # triplets in one row block from which SciPy builds the part


@dataclass(frozen=True, eq=False)
class Csr:
    """CSR arrays (``data``, ``indices``, ``indptr``) of a ``shape`` matrix, canonical."""

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]
    _scipy: list[Any] = field(default_factory=list, repr=False)  # the SciPy view, once made

    @property
    def nnz(self) -> int:
        return int(self.data.size)

    def to_scipy(self) -> sp.csr_matrix:
        """The same matrix as a SciPy CSR matrix (made once; shares these arrays)."""
        if not self._scipy:
            import scipy.sparse as sp

            matrix = sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)
            matrix.has_canonical_format = True
            self._scipy.append(matrix)
        return self._scipy[0]

    @staticmethod
    def from_scipy(matrix: Any) -> Csr:
        """A SciPy sparse matrix (any format) in canonical CSR form, float64, as a copy;
        the copy is also kept as the SciPy view."""
        import scipy.sparse as sp

        A = sp.csr_matrix(matrix, dtype=np.float64, copy=True)
        A.sum_duplicates()
        return Csr(A.data, A.indices, A.indptr, (int(A.shape[0]), int(A.shape[1])), [A])

    @staticmethod
    def from_triplets(
        rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int], index: type
    ) -> Csr:
        """The canonical CSR matrix of (row, column, value) triplets.

        A stable sort by row first (as SciPy's COO to CSR: a radix sort for up to 65,536
        rows), which leaves each row's columns sorted when each run of triplets gave them
        in order, as the builder's do; otherwise a stable sort by (row, column).  Repeated
        (row, column) pairs are then summed in the order given.  From ``SCIPY_FROM``
        triplets on, SciPy does it (its sort is two to three times faster than NumPy's
        at a million triplets, which is worth its 0.12 s import); tests/test_csr.py checks
        that the two ways give the same matrix.
        """
        m, n = shape
        if rows.size >= SCIPY_FROM:  # SciPy's counting sort in C pays for its import here
            import scipy.sparse as sp

            A = sp.csr_matrix((vals, (rows, cols)), shape=shape)
            A.sum_duplicates()
            data = A.data.astype(np.float64, copy=False)
            indices = A.indices.astype(index, copy=False)
            return Csr(data, indices, A.indptr.astype(index, copy=False), (m, n), [A])
        if rows.size > 1 and not bool(np.all(rows[1:] >= rows[:-1])):
            by_row = np.argsort(rows.astype(np.uint16 if m <= 2**16 else np.int64), kind="stable")
            rows, cols, vals = rows[by_row], cols[by_row], vals[by_row]
        key = rows.astype(np.int64) * n + cols
        if key.size > 1 and not bool(np.all(key[1:] > key[:-1])):
            order = np.argsort(key, kind="stable")  # equal keys keep the order given
            key, rows, cols, vals = key[order], rows[order], cols[order], vals[order]
            first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
            if first.size < key.size:
                vals = np.add.reduceat(vals, first)
                rows, cols = rows[first], cols[first]
        indptr: np.ndarray = np.zeros(m + 1, dtype=index)
        np.cumsum(np.bincount(rows, minlength=m), out=indptr[1:])
        return Csr(np.asarray(vals, dtype=np.float64), cols.astype(index), indptr, (m, n))

    @staticmethod
    def vstack(parts: list[Csr], n: int, index: type) -> Csr:
        """The parts' rows one after another (each part canonical, so the result is)."""
        if not parts:
            return Csr(np.zeros(0), np.zeros(0, dtype=index), np.zeros(1, dtype=index), (0, n))
        offsets = np.cumsum([0] + [p.nnz for p in parts[:-1]])
        indptr = np.concatenate(
            [parts[0].indptr[:1].astype(index)]
            + [p.indptr[1:].astype(index) + off for p, off in zip(parts, offsets, strict=True)]
        )
        return Csr(
            np.concatenate([p.data for p in parts]).astype(np.float64, copy=False),
            np.concatenate([p.indices for p in parts]).astype(index, copy=False),
            indptr.astype(index, copy=False),
            (sum(p.shape[0] for p in parts), n),
        )

    def rows(self) -> np.ndarray:
        """The row of each stored entry (the row-wise twin of ``indices``)."""
        return np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))

    def matvec(self, x: np.ndarray, absolute: bool = False) -> np.ndarray:
        """``A @ x`` (``|A| @ x`` with ``absolute``), each row summed in index order as
        SciPy's CSR product sums it, so the two agree to the last bit."""
        m = self.shape[0]
        data = np.abs(self.data) if absolute else self.data
        out: np.ndarray = np.bincount(self.rows(), weights=data * x[self.indices], minlength=m)
        return out.astype(np.float64, copy=False)
