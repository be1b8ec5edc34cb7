"""Sparse-array building blocks: variables and rows as integer codes over named sets.

A block of variables or rows lives on a dense grid (the product of its sets) but holds
only the entries a mask selects.  Each entry is a tuple of integer codes, one per set,
so mapping a variable to the rows it enters is array arithmetic, never a Python loop per
variable or per nonzero.

Terms come as coordinate triplets (:meth:`Builder.add_terms`).  ``Builder.build``
assembles each row block's part of the CSR matrix (a counting sort of its triplets) and
stacks the parts.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd

from capplan.model.csr import Csr
from capplan.model.lp import Block, LinearProgram

INF = np.inf
T = TypeVar("T")


@dataclass(frozen=True)
class Entries:
    """A block of variables or rows: ``codes[dim][i]`` is entry i's position in set ``dim``."""

    name: str
    dims: tuple[str, ...]
    codes: dict[str, np.ndarray]
    start: int

    @property
    def size(self) -> int:
        return len(next(iter(self.codes.values()))) if self.codes else 1

    @cached_property
    def ids(self) -> np.ndarray:
        """Global column (or row) numbers of the entries (made once; do not modify)."""
        return np.arange(self.start, self.start + self.size)

    def __getitem__(self, dim: str) -> np.ndarray:
        return self.codes[dim]


@dataclass(frozen=True)
class Runs:
    """A mask given compactly: ``base`` over all dims but the last, and in the last dim a
    run of consecutive positions ``first <= t < first + length`` for each point of ``base``
    (``first`` and ``length`` broadcast against ``base``).

    :meth:`nonzero` gives exactly ``np.nonzero`` of the full mask (same codes, same
    row-major order) without making it: the full mask of, say, training variables over
    campaigns x regions x parts x periods is much larger than its entries.
    """

    base: np.ndarray
    first: int | np.ndarray
    length: int | np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return self.base.shape

    def nonzero(self) -> tuple[np.ndarray, ...]:
        nz = np.nonzero(self.base)
        first = np.broadcast_to(np.asarray(self.first, dtype=np.int64), self.base.shape)[nz]
        length = np.broadcast_to(np.asarray(self.length, dtype=np.int64), self.base.shape)[nz]
        length = np.maximum(length, 0)
        codes = [np.repeat(c.astype(np.int64, copy=False), length) for c in nz]
        starts = np.cumsum(length) - length  # where each point's run begins in the output
        last = np.arange(len(codes[0]) if codes else 0, dtype=np.int64)
        last += np.repeat(first - starts, length)
        return (*codes, last)


@dataclass
class Builder:
    """Collects variable blocks, row blocks, coefficients and objective terms."""

    sets: dict[str, pd.Index]
    _vars: list[tuple[Entries, np.ndarray, np.ndarray, bool]] = field(default_factory=list)
    _rows: list[tuple[Entries, np.ndarray, np.ndarray]] = field(default_factory=list)
    # by row block (its first row), per add_terms call: (first column, rows, columns, values)
    _triplets: dict[int, list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]] = field(
        default_factory=dict
    )
    _costs: list[tuple[Entries, np.ndarray]] = field(default_factory=list)
    _lookups: dict[int, tuple[Entries, np.ndarray]] = field(default_factory=dict)
    _memo: dict[str, Any] = field(default_factory=dict)
    # row blocks assembled early (finish_rows): first row -> the part, or its future
    _parts: dict[int, Any] = field(default_factory=dict)
    n_vars: int = 0
    n_rows: int = 0

    def memo(self, key: str, make: Callable[[], T]) -> T:
        """``make()``, computed once per builder (for arrays several families share)."""
        if key not in self._memo:
            self._memo[key] = make()
        return cast(T, self._memo[key])

    def shape(self, dims: tuple[str, ...]) -> tuple[int, ...]:
        return tuple(len(self.sets[d]) for d in dims)

    def _select(
        self, dims: tuple[str, ...], mask: np.ndarray | Runs | None
    ) -> dict[str, np.ndarray]:
        shape = self.shape(dims)
        if not dims:
            return {}
        if mask is None:
            mask = np.ones(shape, dtype=bool)
        if isinstance(mask, Runs):
            if (*mask.shape, shape[-1]) != shape:
                raise ValueError(f"runs over {mask.shape} do not fit grid shape {shape} for {dims}")
            nz = mask.nonzero()
        else:
            if mask.shape != shape:
                raise ValueError(f"mask shape {mask.shape} != grid shape {shape} for {dims}")
            nz = np.nonzero(mask)
        return dict(zip(dims, (c.astype(np.int64, copy=False) for c in nz), strict=True))

    @staticmethod
    def _pick(value: float | np.ndarray, shape: tuple[int, ...], nz: tuple) -> np.ndarray:
        if np.ndim(value) == 0:  # one value for every entry
            size = len(nz[0]) if shape else 1
            return np.full(size, value, dtype=float)
        arr = np.broadcast_to(np.asarray(value, dtype=float), shape)
        return arr[nz] if shape else arr.reshape(1)

    def add_variables(
        self,
        name: str,
        dims: tuple[str, ...],
        mask: np.ndarray | Runs | None = None,
        lb: float | np.ndarray = 0.0,
        ub: float | np.ndarray = INF,
        integer: bool = False,
    ) -> Entries:
        """Add one variable per selected grid point; ``lb``/``ub`` broadcast over the grid."""
        codes = self._select(dims, mask)
        nz = tuple(codes[d] for d in dims)
        shape = self.shape(dims)
        block = Entries(name, dims, codes, self.n_vars)
        lbs, ubs = self._pick(lb, shape, nz), self._pick(ub, shape, nz)
        self._vars.append((block, lbs, ubs, integer))
        self.n_vars += block.size
        return block

    def add_rows(
        self,
        name: str,
        dims: tuple[str, ...],
        mask: np.ndarray | Runs | None = None,
        lb: float | np.ndarray = -INF,
        ub: float | np.ndarray = INF,
    ) -> Entries:
        """Add one row per selected grid point; ``lb``/``ub`` broadcast over the grid."""
        codes = self._select(dims, mask)
        nz = tuple(codes[d] for d in dims)
        shape = self.shape(dims)
        block = Entries(name, dims, codes, self.n_rows)
        self._rows.append((block, self._pick(lb, shape, nz), self._pick(ub, shape, nz)))
        self.n_rows += block.size
        return block

    def lookup(self, block: Entries) -> np.ndarray:
        """Dense grid -> global id of the block's entry there, -1 where there is none."""
        cached = self._lookups.get(id(block))
        if cached is not None and cached[0] is block:
            return cached[1]
        table = np.full(self.shape(block.dims) or (1,), -1, dtype=np.int64)
        if block.dims:
            table[tuple(block.codes[d] for d in block.dims)] = block.ids
        else:
            table[0] = block.start
        self._lookups[id(block)] = (block, table)
        return table

    def add_terms(
        self,
        rows: Entries,
        row_codes: dict[str, np.ndarray],
        cols: np.ndarray,
        coef: float | np.ndarray,
    ) -> None:
        """Add ``coef`` at (row of ``rows`` with codes ``row_codes``, column ``cols``).

        Entries whose row does not exist in ``rows`` are dropped, so callers can map a
        variable onto a grid of rows of which only some were created.  Codes must lie in
        their sets (they index the grid).
        """
        if rows.dims:
            # position on the grid, row-major (cheaper than indexing with a tuple of arrays)
            flat = np.asarray(row_codes[rows.dims[0]], dtype=np.int64)
            for dim in rows.dims[1:]:
                flat = flat * len(self.sets[dim])
                flat += row_codes[dim]
        else:
            flat = np.zeros(cols.shape, dtype=np.int64)
        self.add_terms_at(rows, flat, cols, coef)

    def add_terms_at(
        self, rows: Entries, flat: np.ndarray, cols: np.ndarray, coef: float | np.ndarray
    ) -> None:
        """:meth:`add_terms` with the rows given by their flat (row-major) grid position."""
        if rows.size == int(np.prod(self.shape(rows.dims))):  # rows on the whole grid
            self._add(rows, flat + rows.start, cols, coef, rows_exist=True)
        else:
            self._add(rows, self.lookup(rows).reshape(-1)[flat], cols, coef, rows_exist=False)

    def add_terms_rows(
        self, rows: Entries, row_ids: np.ndarray, cols: np.ndarray, coef: float | np.ndarray
    ) -> None:
        """Add ``coef`` at (global row ``row_ids`` of ``rows``, column ``cols``); every row
        must exist."""
        self._add(rows, row_ids, cols, coef, rows_exist=True)

    def finish_rows(self, rows: Entries, executor: Executor | None = None) -> None:
        """Declare that ``rows`` get no more terms and assemble their part of the matrix
        now, on ``executor`` if given (while other rows are being added).  Adding terms
        to them afterwards is an error."""
        index = np.int32 if max(self.n_rows, self.n_vars) < 2**31 - 1 else np.int64
        if executor is None:
            self._parts[rows.start] = self._part(rows, self.n_vars, index)
        else:
            self._parts[rows.start] = executor.submit(self._part, rows, self.n_vars, index)

    def _check_open(self, rows: Entries) -> None:
        if rows.start in self._parts:
            raise ValueError(f"rows {rows.name} were finished; no terms can be added to them")

    def _add(
        self,
        rows: Entries,
        r: np.ndarray,
        cols: np.ndarray,
        coef: float | np.ndarray,
        *,
        rows_exist: bool,
    ) -> None:
        """Record the terms, without those whose row is missing (-1) or coefficient is 0."""
        self._check_open(rows)
        vals = np.broadcast_to(np.asarray(coef, dtype=float), cols.shape)
        keep: np.ndarray | None = None
        if not rows_exist and len(r) and r.min() < 0:
            keep = r >= 0
        if (np.ndim(coef) != 0 and not vals.all()) or (np.ndim(coef) == 0 and coef == 0):
            nonzero = vals != 0
            keep = nonzero if keep is None else keep & nonzero
        if keep is not None:
            r, cols, vals = r[keep], cols[keep], vals[keep]
        if len(cols):
            # the first column orders the terms in build (any order gives the same matrix)
            self._triplets.setdefault(rows.start, []).append((int(cols[0]), r, cols, vals))

    def add_objective(self, block: Entries, coef: float | np.ndarray) -> None:
        vals = np.broadcast_to(np.asarray(coef, dtype=float), (block.size,))
        self._costs.append((block, vals.copy()))

    def build(self, *, maximize: bool, c0: float = 0.0, name: str = "capplan") -> LinearProgram:
        n, m = self.n_vars, self.n_rows
        col_lb = np.concatenate([v[1] for v in self._vars]) if self._vars else np.zeros(0)
        col_ub = np.concatenate([v[2] for v in self._vars]) if self._vars else np.zeros(0)
        integer = (
            np.concatenate([np.full(v[0].size, v[3]) for v in self._vars])
            if self._vars
            else np.zeros(0, dtype=bool)
        )
        row_lb = np.concatenate([r[1] for r in self._rows]) if self._rows else np.zeros(0)
        row_ub = np.concatenate([r[2] for r in self._rows]) if self._rows else np.zeros(0)
        c = np.zeros(n)
        for block, vals in self._costs:
            c[block.start : block.start + block.size] += vals  # a block's ids are contiguous
        var_blocks = {v[0].name: self._block(v[0]) for v in self._vars}
        row_blocks = {r[0].name: self._block(r[0]) for r in self._rows}
        A = self._matrix(m, n)  # last: parts finished on another thread may still be coming
        return LinearProgram(
            c=c,
            matrix=A,
            row_lb=row_lb,
            row_ub=row_ub,
            col_lb=col_lb,
            col_ub=col_ub,
            integer=integer.astype(bool),
            maximize=maximize,
            c0=c0,
            name=name,
            var_blocks=var_blocks,
            row_blocks=row_blocks,
        )

    def _matrix(self, m: int, n: int) -> Csr:
        """The constraint matrix in canonical CSR form (sorted columns, no duplicates).

        Each row block's part is made from its triplets (:meth:`Csr.from_triplets`:
        sorted by row, then column, in a stable order, duplicates summed), and the parts
        are stacked, so the result is canonical whatever order the terms came in.
        """
        index = np.int32 if max(m, n) < 2**31 - 1 else np.int64
        parts = [self._finished(block, n, index) for block, _lb, _ub in self._rows]
        if sum(part.nnz for part in parts) >= 2**31 - 1:
            index = np.int64  # as scipy chooses for a matrix this large
        return Csr.vstack(parts, n, index)

    def _finished(self, block: Entries, n: int, index: type) -> Csr:
        """The part of ``block``: assembled early (finish_rows) or now."""
        early = self._parts.get(block.start)
        if early is None:
            return self._part(block, n, index)
        return early if isinstance(early, Csr) else early.result()

    def _part(self, block: Entries, n: int, index: type) -> Csr:
        """The rows of one row block with all their terms, in canonical CSR form.

        The block's terms are taken out of the builder (and their memory released).
        """
        size = block.size
        triplets = sorted(self._triplets.pop(block.start, []), key=lambda t: t[0])
        if not triplets:
            empty: np.ndarray = np.zeros(0, dtype=index)
            return Csr(np.zeros(0), empty, np.zeros(size + 1, dtype=index), (size, n))
        rr = np.concatenate([t[1] for t in triplets]) - block.start
        cc = np.concatenate([t[2] for t in triplets])
        vv = np.concatenate([t[3] for t in triplets])
        del triplets
        return Csr.from_triplets(rr, cc, vv, (size, n), index)

    def _block(self, entries: Entries) -> Block:
        return Block(entries.name, entries.start, self.index(entries))

    def index(self, entries: Entries) -> pd.Index:
        """The labels of a block's entries (a MultiIndex over its sets)."""
        if not entries.dims:
            return pd.Index([entries.name], name="name")
        levels: list[Any] = [self.sets[d] for d in entries.dims]
        codes: list[Any] = [entries.codes[d] for d in entries.dims]
        return pd.MultiIndex(
            levels=levels,
            codes=codes,
            names=list(entries.dims),
            verify_integrity=False,
        )
