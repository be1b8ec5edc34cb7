"""The mean-value (EV) program: the futures' programs averaged, aligned by name.

Columns and rows are matched across futures by their names (``lp.var_names()`` and
``lp.row_names()``).  The objective, the matrix and the column bounds are averaged with
the futures' probabilities; a future without a column counts it as fixed at 0 (its bounds
and coefficients 0).  A row is averaged over the futures that have it, with their
probabilities renormalised (a row only some futures have is their constraint, not half of
one).  Row bounds that are infinite in any of them stay infinite.  Integer columns get
``ceil`` of their mean lower bound and ``floor`` of their mean upper bound.

When the futures differ only in numbers (coefficients, bounds, right-hand sides) this is
the usual expected-value problem: the program of the mean data.  Valid inequalities
(:mod:`capplan.model.valid`) a future may carry are freed first: a rounding cut of each
future's data is not a cut of the mean data (the futures are built plain today; a
tightened hedge measured no faster, docs/benchmarks.md "Hedged plans").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from capplan.hedge.program import Member
from capplan.model.lp import Block, LinearProgram
from capplan.model.valid import free_valid_rows

_ROUND = 1e-9


def _union(names: Sequence[list[str]]) -> pd.Index:
    seen: dict[str, None] = {}
    for group in names:
        seen.update(dict.fromkeys(group))
    return pd.Index(list(seen))


def mean_value_program(members: Sequence[Member]) -> tuple[LinearProgram, list[np.ndarray]]:
    """The EV program and, per future, the EV column of each of its columns."""
    col_names = [m.lp.var_names() for m in members]
    row_names = [m.lp.row_names() for m in members]
    cols, rows = _union(col_names), _union(row_names)
    n, r = len(cols), len(rows)
    probs = np.array([m.probability for m in members])
    col_maps = [cols.get_indexer(pd.Index(names)) for names in col_names]
    row_maps = [rows.get_indexer(pd.Index(names)) for names in row_names]
    row_mass = np.zeros(r)
    for p, rm in zip(probs, row_maps, strict=True):
        row_mass[rm] += p
    safe = np.where(row_mass > 0, row_mass, 1.0)
    c, lb, ub = np.zeros(n), np.zeros(n), np.zeros(n)
    rlb, rub = np.zeros(r), np.zeros(r)
    integer = np.zeros(n, dtype=bool)
    data: list[np.ndarray] = []
    ii: list[np.ndarray] = []
    jj: list[np.ndarray] = []
    c0 = 0.0
    for p, m, cm, rm in zip(probs, members, col_maps, row_maps, strict=True):
        lp = free_valid_rows(m.lp)
        c[cm] += p * lp.c
        c0 += p * lp.c0
        lb[cm] += _times(p, lp.col_lb)
        ub[cm] += _times(p, lp.col_ub)
        integer[cm] |= lp.integer
        weight = p / safe[rm]
        rlb[rm] += _times(weight, lp.row_lb)
        rub[rm] += _times(weight, lp.row_ub)
        coo = lp.A.tocoo()
        data.append(coo.data * weight[coo.row])
        ii.append(rm[coo.row])
        jj.append(cm[coo.col])
    lb[integer] = np.ceil(lb[integer] - _ROUND)
    ub[integer] = np.floor(ub[integer] + _ROUND)
    A = sp.csr_matrix(
        (np.concatenate(data), (np.concatenate(ii), np.concatenate(jj))), shape=(r, n)
    )
    A.sum_duplicates()
    lp0 = members[0].lp
    ev = LinearProgram(
        c=c,
        matrix=A,
        row_lb=rlb,
        row_ub=rub,
        col_lb=lb,
        col_ub=ub,
        integer=integer,
        maximize=lp0.maximize,
        c0=c0,
        name=f"{lp0.name}-ev",
        var_blocks={"x": Block("", 0, cols)},
        row_blocks={"row": Block("", 0, rows)},
    )
    return ev, col_maps


def _times(weight: float | np.ndarray, values: np.ndarray) -> np.ndarray:
    """``weight * values`` with infinite values kept infinite (also where weight is 0)."""
    out = np.asarray(weight * np.where(np.isfinite(values), values, 0.0), dtype=float)
    return np.where(np.isfinite(values), out, values)
