"""Fast paths for the largest row families: their terms generated in row order.

The ``power`` and ``compute`` rows hold most of the nonzeros (every pod counts in every
period it is installed), and the ``campaign`` rows hold every training variable.
Written as triplets they need a sort by row; here they are made directly in row order,
as runs of consecutive columns (:meth:`Builder.add_runs`), which the variable blocks'
layout allows:

* pods of region r and part q are one run over the periods (an eligible pair has a
  variable in every period), and the pods installed in period t were bought in one run
  of periods (``a[q, tau, t]`` is 1 for consecutive tau);
* the builds of a region are one run from the first period (those that power on in the
  horizon), and those powered on by t are its first ``t - o_r + 1``;
* the training variables are ordered by campaign, so a campaign's are one run.

Each function checks that layout and returns False (the caller then adds the same terms
as triplets) when it does not hold.  Either way the matrix is the same: the rows' terms
have the same columns and coefficients, and the matrix is kept in canonical form.
"""

from __future__ import annotations

import numpy as np

from capplan.model.algebra import Builder, Entries
from capplan.model.params import Params
from capplan.model.variables import Vars


def first_run(table: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """For a lookup table (grid -> id, -1 where none) whose ids along the last axis are one
    run of consecutive ids from position 0: (first id, count) per point of the other
    axes; None if the table is not of that form."""
    count = (table >= 0).sum(axis=-1)
    first = table[..., 0]
    k = np.arange(table.shape[-1])
    expected = np.where(k < count[..., None], first[..., None] + k, -1)
    return (first, count) if np.array_equal(table, expected) else None


def first_run_mask(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """For a bool array whose True entries along the last axis form one run: (first
    position, count) per point of the other axes; None otherwise."""
    count = mask.sum(axis=-1)
    first = np.where(count > 0, mask.argmax(axis=-1), 0)
    k = np.arange(mask.shape[-1])
    expected = (k >= first[..., None]) & (k < (first + count)[..., None])
    return (first, count) if np.array_equal(mask, expected) else None


def _all_periods(block: Entries, T: int) -> np.ndarray | None:
    """``run_first`` of a block whose runs cover every period (first 0, length T)."""
    runs = block.runs
    if runs is None:
        return None
    base = runs.base
    if not (
        np.all(np.broadcast_to(runs.first, base.shape)[base] == 0)
        and np.all(np.broadcast_to(runs.length, base.shape)[base] == T)
    ):
        return None
    return block.run_first()


def pods_runs(b: Builder, v: Vars, p: Params) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """``(pods_first[r, q], tau_first[q, t], installed[q, t])`` or None (see the module
    docstring): the pods of (r, q) bought in tau are column ``pods_first[r, q] + tau``;
    those installed in t were bought in the ``installed[q, t]`` periods from
    ``tau_first[q, t]``."""

    def make() -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        T = len(p.sets["period"])
        first = _all_periods(v.pods, T)
        bought = first_run_mask(p.active.transpose(0, 2, 1))  # (part, t, tau)
        if first is None or bought is None or first.shape != p.eligible.shape:
            return None
        return first, bought[0], bought[1]

    return b.memo("pods_runs", make)


def power_runs(b: Builder, rows: Entries, v: Vars, p: Params) -> bool:
    """The ``power`` rows' terms in row order: row (r, t) is [the builds of r powered on by
    t] followed by [the pods of each part installed in t]."""
    runs = pods_runs(b, v, p)
    built = first_run(b.lookup(v.build))  # (R, T): each region's builds, from period 0
    R, T = len(p.sets["region"]), len(p.sets["period"])
    if runs is None or built is None or rows.size != R * T or rows.dims != ("region", "period"):
        return False
    pods_first, tau_first, installed = runs
    build_first, build_count = built
    on = np.clip(np.arange(T)[None, :] - p.offset[:, None] + 1, 0, build_count[:, None])
    P = len(p.pod_mw)
    first = np.concatenate(
        [
            np.broadcast_to(build_first[:, None, None], (R, T, 1)),
            pods_first[:, None, :] + tau_first.T[None, :, :],
        ],
        axis=2,
    )
    length = np.concatenate(
        [on[:, :, None], p.eligible[:, None, :] * installed.T[None, :, :]], axis=2
    )
    coef = np.concatenate(
        [
            np.broadcast_to(-p.module_mw[:, None, None], (R, T, 1)),
            np.broadcast_to(p.pod_mw[None, None, :], (R, T, P)),
        ],
        axis=2,
    )
    b.add_runs(rows, first.reshape(R * T, -1), length.reshape(R * T, -1), coef.reshape(R * T, -1))
    return True


def compute_pods_runs(b: Builder, rows: Entries, v: Vars, p: Params) -> bool:
    """The pods terms of the ``compute`` rows in row order: row (r, q, t) holds the pods
    of (r, q) installed in t, one run of columns."""
    runs = pods_runs(b, v, p)
    if runs is None or rows.dims != ("region", "part", "period"):
        return False
    table = b.lookup(rows)  # (R, P, T) -> row id
    pair_r, pair_q = np.nonzero(p.eligible)
    T = table.shape[2]
    expected = np.full(table.shape, -1, dtype=np.int64)
    expected[pair_r, pair_q, :] = rows.start + np.arange(len(pair_r) * T).reshape(-1, T)
    if not np.array_equal(table, expected):  # rows of eligible pairs, every period, in order
        return False
    pods_first, tau_first, installed = runs
    r, q, t = rows["region"], rows["part"], rows["period"]
    b.add_runs(
        rows,
        (pods_first[r, q] + tau_first[q, t])[:, None],
        installed[q, t][:, None],
        -p.pod_peak_zflop[q][:, None],
    )
    return True


def campaign_runs(b: Builder, rows: Entries, v: Vars, p: Params) -> bool:
    """The ``campaign`` rows' terms in row order: row k is the train columns of campaign k
    (consecutive, as train is ordered by campaign) followed by short[k]."""
    tr, sh = v.train, v.short
    K = len(p.sets["campaign"])
    if rows.size != K or not np.all(np.diff(tr["campaign"]) >= 0):
        return False
    k = np.arange(K)
    lo = np.searchsorted(tr["campaign"], k, side="left")
    hi = np.searchsorted(tr["campaign"], k, side="right")
    short_col = b.lookup(sh)  # campaign -> short column, -1 for a required campaign
    first = np.stack([tr.start + lo, np.maximum(short_col, 0)], axis=1)
    length = np.stack([hi - lo, (short_col >= 0).astype(np.int64)], axis=1)
    b.add_runs(rows, first, length, np.ones((K, 2)))
    return True
