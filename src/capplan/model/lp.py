"""The solver-neutral linear / mixed-integer program.

Every backend receives a :class:`LinearProgram`: a sparse constraint matrix with row and
column bounds, an objective vector, integrality flags and *blocks* that name contiguous
ranges of columns (variables) or rows (constraints) and carry their pandas index.  Names
of single variables (``pods[CN,Ascend 910C,FY2026]``) are made only when a file format
asks for them, never on the hot path.  The matrix is kept as canonical CSR arrays
(:class:`capplan.model.csr.Csr`: what the builder makes; a SciPy matrix given instead is
put in that form, duplicates summed); ``lp.A`` is the same matrix as a SciPy CSR matrix,
made on first use, and ``lp.csr()`` the arrays.

    maximise or minimise   c @ x + c0
    subject to             row_lb <= A @ x <= row_ub
                           col_lb <=     x <= col_ub
                           x[j] integer for every j with integer[j]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from capplan.model.csr import Csr

if TYPE_CHECKING:
    import scipy.sparse as sp

FloatArray = np.ndarray


@dataclass(frozen=True)
class Block:
    """A named, contiguous range of columns or rows with the labels of its entries."""

    name: str
    start: int
    index: pd.Index

    @property
    def stop(self) -> int:
        return self.start + len(self.index)

    @property
    def slice(self) -> slice:
        return slice(self.start, self.stop)

    def labels(self) -> list[str]:
        """``name[a,b,c]`` for each entry: for LP/MPS files and error messages.

        A block with an empty name labels its entries by their bare keys (``a,b,c``): the
        blocks of a program read from a file hold the file's own names, which must come
        back unchanged when it is written again.
        """
        if len(self.index) == 0:
            return []
        if isinstance(self.index, pd.MultiIndex):
            keys = [",".join(str(v) for v in key) for key in self.index]
        else:
            keys = [str(v) for v in self.index]
        if not self.name:
            return keys
        return [f"{self.name}[{k}]" for k in keys]


@dataclass(frozen=True)
class LinearProgram:
    """A linear or mixed-integer program in sparse form (see the module docstring)."""

    c: FloatArray
    matrix: Csr | Any  # Csr, or any SciPy sparse matrix
    row_lb: FloatArray
    row_ub: FloatArray
    col_lb: FloatArray
    col_ub: FloatArray
    integer: np.ndarray
    maximize: bool = False
    c0: float = 0.0
    name: str = "capplan"
    var_blocks: dict[str, Block] = field(default_factory=dict)
    row_blocks: dict[str, Block] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.matrix, Csr):  # a SciPy matrix: kept canonical, as CSR arrays
            object.__setattr__(self, "matrix", Csr.from_scipy(self.matrix))
        m, n = self.matrix.shape
        for label, arr, size in (
            ("c", self.c, n),
            ("col_lb", self.col_lb, n),
            ("col_ub", self.col_ub, n),
            ("integer", self.integer, n),
            ("row_lb", self.row_lb, m),
            ("row_ub", self.row_ub, m),
        ):
            if arr.shape != (size,):
                raise ValueError(f"{label} has shape {arr.shape}, expected ({size},)")

    @property
    def A(self) -> sp.csr_matrix:
        """The constraint matrix as a SciPy CSR matrix (imports SciPy's sparse module)."""
        return self.csr().to_scipy()

    def csr(self) -> Csr:
        """The constraint matrix as canonical CSR arrays."""
        assert isinstance(self.matrix, Csr)  # made so by __post_init__
        return self.matrix

    @property
    def num_vars(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def num_rows(self) -> int:
        return int(self.matrix.shape[0])

    @property
    def num_nonzeros(self) -> int:
        return int(self.matrix.nnz)

    @property
    def num_integer(self) -> int:
        return int(self.integer.sum())

    @property
    def is_mip(self) -> bool:
        return bool(self.integer.any())

    def var_names(self) -> list[str]:
        """Unique column names: block labels where blocks cover a column, ``x<j>`` otherwise."""
        names = [f"x{j}" for j in range(self.num_vars)]
        for block in self.var_blocks.values():
            names[block.slice] = block.labels()
        return names

    def row_names(self) -> list[str]:
        """Unique row names: block labels where blocks cover a row, ``r<i>`` otherwise."""
        names = [f"r{i}" for i in range(self.num_rows)]
        for block in self.row_blocks.values():
            names[block.slice] = block.labels()
        return names

    def objective_value(self, x: FloatArray) -> float:
        return float(self.c @ x + self.c0)

    def with_bounds(
        self,
        col_lb: FloatArray | None = None,
        col_ub: FloatArray | None = None,
        integer: np.ndarray | None = None,
    ) -> LinearProgram:
        """A copy with other column bounds or integrality (used to fix or relax decisions)."""
        return LinearProgram(
            c=self.c,
            matrix=self.matrix,
            row_lb=self.row_lb,
            row_ub=self.row_ub,
            col_lb=self.col_lb if col_lb is None else col_lb,
            col_ub=self.col_ub if col_ub is None else col_ub,
            integer=self.integer if integer is None else integer,
            maximize=self.maximize,
            c0=self.c0,
            name=self.name,
            var_blocks=self.var_blocks,
            row_blocks=self.row_blocks,
        )

    def max_violation(self, x: FloatArray) -> float:
        """Largest violation of any row or column bound by ``x`` (0 for a feasible point)."""
        ax = self.csr().matvec(x)
        parts = [
            np.maximum(self.row_lb - ax, 0.0),
            np.maximum(ax - self.row_ub, 0.0),
            np.maximum(self.col_lb - x, 0.0),
            np.maximum(x - self.col_ub, 0.0),
        ]
        return float(max((p.max() if p.size else 0.0) for p in parts))
