"""Sparse-array building blocks: variables and rows as integer codes over named sets.

A block of variables or rows lives on a dense grid (the product of its sets) but holds
only the entries a mask selects.  Each entry is a tuple of integer codes, one per set,
so mapping a variable to the rows it enters is array arithmetic, never a Python loop per
variable or per nonzero.  ``Builder.build`` assembles one CSR matrix from all the
coordinate triplets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from capplan.model.lp import Block, LinearProgram

INF = np.inf


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

    @property
    def ids(self) -> np.ndarray:
        """Global column (or row) numbers of the entries."""
        return np.arange(self.start, self.start + self.size)

    def __getitem__(self, dim: str) -> np.ndarray:
        return self.codes[dim]


@dataclass
class Builder:
    """Collects variable blocks, row blocks, coefficients and objective terms."""

    sets: dict[str, pd.Index]
    _vars: list[tuple[Entries, np.ndarray, np.ndarray, bool]] = field(default_factory=list)
    _rows: list[tuple[Entries, np.ndarray, np.ndarray]] = field(default_factory=list)
    _triplets: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    _costs: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    n_vars: int = 0
    n_rows: int = 0

    def shape(self, dims: tuple[str, ...]) -> tuple[int, ...]:
        return tuple(len(self.sets[d]) for d in dims)

    def _select(
        self, dims: tuple[str, ...], mask: np.ndarray | None
    ) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
        shape = self.shape(dims)
        if not dims:
            return {}, None
        if mask is None:
            mask = np.ones(shape, dtype=bool)
        if mask.shape != shape:
            raise ValueError(f"mask shape {mask.shape} != grid shape {shape} for {dims}")
        nz = np.nonzero(mask)
        return dict(zip(dims, (c.astype(np.int64) for c in nz), strict=True)), mask

    @staticmethod
    def _pick(value: float | np.ndarray, shape: tuple[int, ...], nz: tuple) -> np.ndarray:
        arr = np.broadcast_to(np.asarray(value, dtype=float), shape)
        return arr[nz] if shape else arr.reshape(1)

    def add_variables(
        self,
        name: str,
        dims: tuple[str, ...],
        mask: np.ndarray | None = None,
        lb: float | np.ndarray = 0.0,
        ub: float | np.ndarray = INF,
        integer: bool = False,
    ) -> Entries:
        """Add one variable per selected grid point; ``lb``/``ub`` broadcast over the grid."""
        codes, _ = self._select(dims, mask)
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
        mask: np.ndarray | None = None,
        lb: float | np.ndarray = -INF,
        ub: float | np.ndarray = INF,
    ) -> Entries:
        """Add one row per selected grid point; ``lb``/``ub`` broadcast over the grid."""
        codes, _ = self._select(dims, mask)
        nz = tuple(codes[d] for d in dims)
        shape = self.shape(dims)
        block = Entries(name, dims, codes, self.n_rows)
        self._rows.append((block, self._pick(lb, shape, nz), self._pick(ub, shape, nz)))
        self.n_rows += block.size
        return block

    def lookup(self, block: Entries) -> np.ndarray:
        """Dense grid -> global id of the block's entry there, -1 where there is none."""
        table = np.full(self.shape(block.dims) or (1,), -1, dtype=np.int64)
        if block.dims:
            table[tuple(block.codes[d] for d in block.dims)] = block.ids
        else:
            table[0] = block.start
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
        variable onto a grid of rows of which only some were created.
        """
        vals = np.broadcast_to(np.asarray(coef, dtype=float), cols.shape)
        table = self.lookup(rows)
        where = (
            tuple(row_codes[d] for d in rows.dims)
            if rows.dims
            else (np.zeros(cols.shape, dtype=np.int64),)
        )
        r = table[where]
        keep = (r >= 0) & (vals != 0)
        self._triplets.append((r[keep], cols[keep], vals[keep]))

    def add_objective(self, block: Entries, coef: float | np.ndarray) -> None:
        vals = np.broadcast_to(np.asarray(coef, dtype=float), (block.size,))
        self._costs.append((block.ids, vals.copy()))

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
        for ids, vals in self._costs:
            np.add.at(c, ids, vals)
        if self._triplets:
            rr = np.concatenate([t[0] for t in self._triplets])
            cc = np.concatenate([t[1] for t in self._triplets])
            vv = np.concatenate([t[2] for t in self._triplets])
        else:
            rr = cc = np.zeros(0, dtype=np.int64)
            vv = np.zeros(0)
        A = sp.csr_matrix((vv, (rr, cc)), shape=(m, n))
        A.sum_duplicates()
        return LinearProgram(
            c=c,
            A=A,
            row_lb=row_lb,
            row_ub=row_ub,
            col_lb=col_lb,
            col_ub=col_ub,
            integer=integer.astype(bool),
            maximize=maximize,
            c0=c0,
            name=name,
            var_blocks={v[0].name: self._block(v[0]) for v in self._vars},
            row_blocks={r[0].name: self._block(r[0]) for r in self._rows},
        )

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
