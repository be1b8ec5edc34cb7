"""A stochastic program as a list of futures, and its deterministic equivalent.

Each future (:class:`Member`) is an ordinary :class:`LinearProgram` with a probability
and a path of tree nodes, one per stage.  Stage k's *non-anticipative* columns are named
by keys (capplan: the column's label; an MPS directory: the node and position).  Two
futures that pass through the same node share the decisions of that node: in the
deterministic equivalent (:func:`stack`) each (node, key) is **one** column used by every
future through the node (the compact form: non-anticipativity by construction, no
equality rows).  Every other column stays one per future.  A key that a future through
the node lacks is a decision that future cannot take, so the shared column is fixed to 0.

The stacked program is always a maximisation of the *value* ``s (c_f x_f + c0_f)`` of
each future (``s = +1`` for maximisation programs, ``-1`` for minimisation):

    max  (1 - w) sum_f p_f v_f  +  w (eta - 1/(1 - alpha) sum_f p_f z_f)
    s.t. each future's rows on its columns
         z_f >= eta - v_f,  z_f >= 0,  eta free             (only when w > 0)

The second term is CVaR_alpha of the value in the Rockafellar-Uryasev form: at the
optimum it is the mean value of the worst (1 - alpha) share of futures by probability.

Futures that can never be told apart (the same path of nodes and the same program, as
when futures are drawn with repetition) share *every* column, not only the staged ones:
their rows are one copy and their probabilities add up in the objective.  That is the
same program (an identical future's optimal columns can always be taken equal), only
smaller: 50 draws of the combined futures are 34 distinct ones, 7,812 rows instead of
11,472 (docs/benchmarks.md, "Hedged plans").  Each future keeps its own column map, so
every output is still per future.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from capplan.model.lp import Block, LinearProgram


@dataclass(frozen=True)
class Member:
    """One future of a stochastic program."""

    name: str
    probability: float
    lp: LinearProgram
    nodes: tuple[str, ...]  # node name per stage, root first
    stage_keys: tuple[tuple[str, ...], ...]  # per stage: keys of its shared columns
    stage_cols: tuple[np.ndarray, ...]  # per stage: their column numbers in lp

    def node(self, stage: int) -> tuple[str, ...]:
        """The node of ``stage`` as the path from the root (unique in the tree)."""
        return self.nodes[: stage + 1]

    @property
    def sign(self) -> float:
        return 1.0 if self.lp.maximize else -1.0

    def value(self, x: np.ndarray) -> float:
        """The future's objective in max form at ``x`` (its own columns)."""
        return self.sign * self.lp.objective_value(x)


@dataclass(frozen=True)
class Risk:
    cvar_alpha: float = 0.95
    cvar_weight: float = 0.0


@dataclass(frozen=True)
class Stacked:
    """The deterministic equivalent and how to read each future's columns from it."""

    lp: LinearProgram
    col_maps: tuple[np.ndarray, ...]  # per future: global column of each local column
    nodes: dict[tuple[str, ...], tuple[tuple[str, ...], np.ndarray]]  # node -> (keys, cols)
    eta: int | None  # CVaR's threshold column (None when w = 0)

    def split(self, x: np.ndarray) -> list[np.ndarray]:
        """Each future's column values from a solution of the stacked program."""
        return [x[m] for m in self.col_maps]

    def root(self) -> tuple[tuple[str, ...], np.ndarray]:
        """(keys, global columns) of the first-stage decisions."""
        return next(iter(self.nodes.values()))


def check_members(members: Sequence[Member]) -> None:
    if not members:
        raise ValueError("a stochastic program needs at least one future")
    senses = {m.lp.maximize for m in members}
    if len(senses) > 1:
        raise ValueError("every future must have the same objective sense")
    stages = {len(m.nodes) for m in members}
    if len(stages) > 1:
        raise ValueError("every future must have the same number of stages")


def _allocate(
    members: Sequence[Member],
) -> tuple[dict[tuple[str, ...], tuple[tuple[str, ...], np.ndarray]], list[np.ndarray], int]:
    """Global columns, future by future in each future's own column order: a shared
    (node, key) gets its column where it is first met, every other column its own.

    So one future alone is stacked into its own program, column for column.
    """
    nodes: dict[tuple[str, ...], dict[str, int]] = {}
    maps = []
    start = 0
    first: dict[bytes, np.ndarray] = {}  # fingerprint -> column map of its first future
    for m in members:
        fp = fingerprint(m)
        same = first.get(fp)
        if same is not None:  # a future identical to an earlier one: all columns shared
            maps.append(same)
            continue
        col_map = np.full(m.lp.num_vars, -1, dtype=np.int64)
        for k in range(len(m.nodes)):
            known = nodes.get(m.node(k), {})
            ids = np.array([known.get(key, -1) for key in m.stage_keys[k]], dtype=np.int64)
            col_map[m.stage_cols[k]] = ids
        new = np.flatnonzero(col_map < 0)
        col_map[new] = np.arange(start, start + len(new))
        start += len(new)
        for k in range(len(m.nodes)):
            keys = nodes.setdefault(m.node(k), {})
            for key, col in zip(m.stage_keys[k], col_map[m.stage_cols[k]].tolist(), strict=True):
                keys.setdefault(key, col)
        maps.append(col_map)
        first[fp] = col_map
    out = {
        node: (tuple(keys), np.fromiter(keys.values(), dtype=np.int64, count=len(keys)))
        for node, keys in nodes.items()
    }
    return out, maps, start


def stack(members: Sequence[Member], risk: Risk | None = None) -> Stacked:
    """The deterministic equivalent of ``members`` (see the module docstring)."""
    check_members(members)
    nodes, maps, n = _allocate(members)
    w = 0.0 if risk is None else risk.cvar_weight
    width = n + (len(members) + 1 if w > 0 else 0)
    lb, ub = np.full(n, -np.inf), np.full(n, np.inf)
    integer = np.zeros(n, dtype=bool)
    c = np.zeros(n)
    c0 = 0.0
    parts: list[sp.csr_matrix] = []
    row_lb: list[np.ndarray] = []
    row_ub: list[np.ndarray] = []
    seen: set[int] = set()
    for m, col_map in zip(members, maps, strict=True):
        lp = m.lp
        np.add.at(c, col_map, (1 - w) * m.probability * m.sign * lp.c)
        c0 += (1 - w) * m.probability * m.sign * lp.c0
        if id(col_map) in seen:  # identical to an earlier future: its rows are there
            continue
        seen.add(id(col_map))
        np.maximum.at(lb, col_map, lp.col_lb)
        np.minimum.at(ub, col_map, lp.col_ub)
        np.logical_or.at(integer, col_map, lp.integer)
        A = lp.csr()
        parts.append(
            sp.csr_matrix((A.data, col_map[A.indices], A.indptr), shape=(A.shape[0], width))
        )
        row_lb.append(lp.row_lb)
        row_ub.append(lp.row_ub)
    _fix_missing(members, nodes, maps, lb, ub)
    eta = None
    if w > 0:
        assert risk is not None
        eta, extra = _cvar_rows(members, maps, n, risk)
        parts.append(extra[0])
        row_lb.append(extra[1])
        row_ub.append(extra[2])
        k = len(members)
        probs = np.array([m.probability for m in members])
        c = np.concatenate([c, [w], -w / (1 - risk.cvar_alpha) * probs])
        lb = np.concatenate([lb, [-np.inf], np.zeros(k)])
        ub = np.concatenate([ub, np.full(k + 1, np.inf)])
        integer = np.concatenate([integer, np.zeros(k + 1, dtype=bool)])
    A = sp.vstack(parts, format="csr")
    A.sort_indices()
    lp = LinearProgram(
        c=c,
        matrix=A,
        row_lb=np.concatenate(row_lb),
        row_ub=np.concatenate(row_ub),
        col_lb=lb,
        col_ub=ub,
        integer=integer,
        maximize=True,
        c0=c0,
        name=f"{members[0].lp.name}-hedge",
        var_blocks={"x": Block("", 0, pd.RangeIndex(A.shape[1]).astype(str))},
    )
    return Stacked(lp, tuple(maps), nodes, eta)


def fingerprint(m: Member) -> bytes:
    """SHA-256 of everything that makes a future's program and place in the tree: two
    futures with the same fingerprint can never be told apart."""
    lp = m.lp
    A = lp.csr()
    h = hashlib.sha256(repr((m.nodes, m.stage_keys, lp.maximize, lp.c0, A.shape)).encode())
    arrays = (lp.c, lp.col_lb, lp.col_ub, lp.row_lb, lp.row_ub, lp.integer, *m.stage_cols)
    for a in (*arrays, A.data, A.indices, A.indptr):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.digest()


def _fix_missing(
    members: Sequence[Member],
    nodes: dict[tuple[str, ...], tuple[tuple[str, ...], np.ndarray]],
    maps: list[np.ndarray],
    lb: np.ndarray,
    ub: np.ndarray,
) -> None:
    """A shared column that some future through its node does not have is fixed to 0;
    the other shared columns keep the bounds every future gives them (intersected)."""
    has: dict[tuple[str, ...], np.ndarray] = {}
    for m, col_map in zip(members, maps, strict=True):
        for k in range(len(m.nodes)):
            node = m.node(k)
            _keys, cols = nodes[node]
            count = has.setdefault(node, np.zeros(len(cols), dtype=np.int64))
            count += np.isin(cols, col_map[m.stage_cols[k]])
    passing: dict[tuple[str, ...], int] = {}
    for m in members:
        for k in range(len(m.nodes)):
            passing[m.node(k)] = passing.get(m.node(k), 0) + 1
    for node, (_keys, cols) in nodes.items():
        missing = cols[has[node] < passing[node]]
        lb[missing] = 0.0
        ub[missing] = 0.0


def _cvar_rows(
    members: Sequence[Member], maps: list[np.ndarray], n: int, risk: Risk
) -> tuple[int, tuple[sp.csr_matrix, np.ndarray, np.ndarray]]:
    """Rows ``z_f - eta + s c_f x_f >= -s c0_f`` on columns [x, eta, z_1..z_F]."""
    k = len(members)
    eta = n
    rows, cols, vals = [], [], []
    lo = np.zeros(k)
    for i, (m, col_map) in enumerate(zip(members, maps, strict=True)):
        nz = np.flatnonzero(m.lp.c)
        rows += [np.full(len(nz) + 2, i)]
        cols += [col_map[nz], np.array([eta, n + 1 + i])]
        vals += [m.sign * m.lp.c[nz], np.array([-1.0, 1.0])]
        lo[i] = -m.sign * m.lp.c0
    A = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(k, n + k + 1)
    )
    return eta, (A, lo, np.full(k, np.inf))


def cvar(values: np.ndarray, probs: np.ndarray, alpha: float) -> float:
    """CVaR_alpha of the lower tail: the mean of the worst (1 - alpha) probability mass."""
    order = np.argsort(values, kind="stable")
    tail = 1.0 - alpha
    left, total = tail, 0.0
    for i in order:
        take = min(float(probs[i]), left)
        total += take * float(values[i])
        left -= take
        if left <= 1e-15:
            break
    return total / tail


def quantile(values: np.ndarray, probs: np.ndarray, q: float) -> float:
    """The smallest value whose cumulative probability reaches ``q``."""
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(probs[order])
    i = int(np.searchsorted(cum, q - 1e-12))
    return float(values[order][min(i, len(order) - 1)])
