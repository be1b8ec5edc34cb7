"""Valid inequalities: rows that tighten the LP relaxation and cut off no integer plan.

Every row here is implied by the model's own rows (constraints.py) together with the
integrality of ``build``, ``pods`` and ``enter``: each integer-feasible plan of the plain
model satisfies it, with the same objective.  They only remove fractional points of the
LP relaxation, so the MIP's bound closes faster.  ``build_model(tables, tighten=False)``
builds the model without them (the benchmark ``capplan bench --suite proof`` compares
both).  docs/model.md, *Valid inequalities*, states the derivations.

The rows are valid for the MIP, not for its relaxations: the marginal-value LP (modules
and pods continuous) and the elastic program of an explanation (rows given slack) must
not carry them.  :func:`free_valid_rows` makes them free rows in such a program.

Notation as in constraints.py; in addition z zone, D[z,t] = sum_{g in z} D[g,t] the
zone's demand, kappa_p = u^inf_p x H_p the ZFLOP one pod of p serves in a period, w_p its
IT MW, rho_r = max_{p eligible in r} kappa_p / w_p the most inference one MW of region r
can serve in a period, and Y[r,t] = sum_{tau <= t - o_r} enter[r,tau] (1 when r was
entered in time for a module to be powered on by t).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from capplan.model.algebra import Builder, Entries
from capplan.model.lp import LinearProgram
from capplan.model.params import Params
from capplan.model.variables import Vars, module_bound

VALID_FAMILIES = ("entry_serve", "entry_zone", "module_demand")
"""The row families of this module, in the order build_model adds them."""

MIR_EPS = 1e-6  # fractional parts closer than this to 0 or 1 give no useful cut


def _zone_demand(p: Params) -> np.ndarray:
    """D[z,t]: the zone's demand over its segments (Z, T)."""
    out = np.zeros((len(p.sets["zone"]), len(p.sets["period"])))
    np.add.at(out, p.seg_zone, np.nan_to_num(p.demand, nan=0.0))
    return out


def _pairs(row_key: np.ndarray, entry_key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (row i, entry j) with ``row_key[i] == entry_key[j]``, grouped by row."""
    order = np.argsort(entry_key, kind="stable")
    sorted_keys = entry_key[order]
    lo = np.searchsorted(sorted_keys, row_key, side="left")
    hi = np.searchsorted(sorted_keys, row_key, side="right")
    count = hi - lo
    i = np.repeat(np.arange(len(row_key)), count)
    offsets = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    j = order[np.repeat(lo, count) + offsets]
    return i, j


def serve_density(p: Params) -> np.ndarray:
    """rho_r (R,): the most ZFLOP of inference one MW of IT load in r serves in a period."""
    kappa = p.util_inf * p.pod_peak_zflop
    per_mw = np.divide(kappa, p.pod_mw, out=np.zeros_like(kappa), where=p.pod_mw > 0)
    return np.where(p.eligible, per_mw[None, :], 0.0).max(axis=1, initial=0.0)


def define_entry_serve(b: Builder, v: Vars, p: Params) -> Entries | None:
    """A region that must be entered serves nothing before entry, at most its zone's demand after.

        entry_serve[r,t]: sum_{g,p} serve[g,r,p,t] - D[z(r),t] * Y[r,t] <= 0      (ZFLOP)

    for regions with enter variables and periods t with at least one enter[r,tau],
    tau <= t - o_r.  Valid: such a region has no existing MW (E_r <= 0); if Y[r,t] = 0
    every build[r,tau] with tau <= t - o_r is 0 (entry_gate), so power[r,t] leaves no MW
    for pods, compute[r,p,t] no compute and serve is 0; if Y[r,t] = 1 the sum is at most
    D[z(r),t] by the zone's demand rows.  The plain model links serve to entry only
    through the big-M U_r of the entry gate (serve <= rho_r M_r U_r n Y), which lets the
    relaxation pay a fraction of the entry cost for a whole region's demand.
    """
    e, s = v.enter, v.serve
    if e.size == 0 or s.size == 0:
        return None
    dz = _zone_demand(p)
    # enter[r,tau] counts in every row (r,t) with t >= tau + o_r
    grid, er, et, ids = b.memo("entry_online", lambda: _entry_online(b, v, p))
    has_serve = np.zeros_like(grid)
    has_serve[s["region"], s["period"]] = True
    mask = grid & has_serve & np.isfinite(dz[p.zone][:, :])
    if not mask.any():
        return None
    rows = b.add_rows("entry_serve", ("region", "period"), mask=mask, ub=0.0)
    b.add_terms(rows, {"region": s["region"], "period": s["period"]}, s.ids, 1.0)
    b.add_terms(rows, {"region": er, "period": et}, ids, -dz[p.zone[er], et])
    return rows


def serve_capacity(p: Params) -> np.ndarray:
    """cap[r,t] (R, T): the most ZFLOP of inference region r can serve in t.

    rho_r x (E_r + M_r x min(U_r x n[r,t], floor(Wmax_r / M_r))), n[r,t] the number of
    periods whose modules are powered on by t (tau + o_r <= t, tau + o_r <= T - 1).
    """
    T = len(p.sets["period"])
    t = np.arange(T)[None, :]
    n = np.clip(t - p.offset[:, None] + 1, 0, None) * (p.offset[:, None] <= T - 1)
    by_total = np.floor(p.mw_total / p.module_mw + 1e-9)
    modules = np.minimum(module_bound(p)[:, None] * n, by_total[:, None])
    mw = np.maximum(p.existing_mw, 0.0)[:, None] + p.module_mw[:, None] * modules
    return serve_density(p)[:, None] * mw


def define_entry_zone(b: Builder, v: Vars, p: Params) -> Entries | None:
    """Without a new region q its zone serves at most what the other regions can.

        entry_zone[q,t]: sum_{g in z, r in z, p} serve[g,r,p,t] - (D[z,t] - C[q,t]) Y[q,t]
                         <= C[q,t]                                               (ZFLOP)

    z = z(q), C[q,t] = sum_{r in z, r != q} cap[r,t] (:func:`serve_capacity`: the most
    the other regions of the zone can serve, from their existing MW and every module they
    could have powered on), for the (q,t) of entry_serve where C[q,t] < D[z,t].  Valid:
    with Y[q,t] = 1 it is the zone's demand; with Y[q,t] = 0, q serves nothing
    (entry_serve) and the others at most C.  It prices a new region by the demand the
    others cannot serve, not by the whole zone's.
    """
    e, s = v.enter, v.serve
    if e.size == 0 or s.size == 0:
        return None
    T = len(p.sets["period"])
    dz = _zone_demand(p)
    cap = serve_capacity(p)
    zone_cap = np.zeros((len(p.sets["zone"]), T))
    np.add.at(zone_cap, p.zone, cap)
    others = zone_cap[p.zone] - cap  # (R, T)
    gap = dz[p.zone] - others
    grid, er, et, ids = b.memo("entry_online", lambda: _entry_online(b, v, p))
    mask = grid & (gap > 1e-9 * np.maximum(1.0, dz[p.zone]))
    if not mask.any():
        return None
    rows = b.add_rows("entry_zone", ("region", "period"), mask=mask, ub=others)
    q, t = np.nonzero(mask)
    i, j = _pairs(p.zone[q] * T + t, p.seg_zone[s["segment"]] * T + s["period"])
    b.add_terms(rows, {"region": q[i], "period": t[i]}, s.ids[j], 1.0)
    b.add_terms(rows, {"region": er, "period": et}, ids, -gap[er, et])
    return rows


def _entry_online(b: Builder, v: Vars, p: Params) -> tuple[np.ndarray, ...]:
    """The (r,t) that have some enter[r,tau] with tau <= t - o_r, as a grid (R, T), and
    the terms of Y[r,t]: the region, period and enter column of each."""
    e = v.enter
    T = len(p.sets["period"])
    start = e["period"] + p.offset[e["region"]]
    counts = np.clip(T - start, 0, None)
    er = np.repeat(e["region"], counts)
    et = np.repeat(start - (np.cumsum(counts) - counts), counts) + np.arange(int(counts.sum()))
    grid = np.zeros(b.shape(("region", "period")), dtype=bool)
    grid[er, et] = True
    return grid, er, et, np.repeat(e.ids, counts)


def mir_coefficients(a: np.ndarray, f: np.ndarray) -> np.ndarray:
    """The MIR coefficients of ``sum_j a_j x_j + u >= beta`` (x_j >= 0 integer, u >= 0):

    sum_j (floor(a_j) f + min(frac(a_j), f)) x_j + u >= f ceil(beta),  f = frac(beta).
    """
    return np.floor(a) * f + np.minimum(a - np.floor(a), f)


def define_module_demand(b: Builder, v: Vars, p: Params) -> Entries | None:
    """Whole modules against a zone's demand: the MIR cut of demand over module capacity.

    Let s = sum_{g in z, r, p} serve[g,r,p,t], B[r,t] = sum_{tau <= t - o_r} build[r,tau]
    (integer) and delta_r = rho_r M_r.  The model implies, for every zone z and period t,

        s <= D[z,t]                                   (demand rows)
        s <= sum_{r in z} rho_r (E_r + M_r B[r,t])    (compute, then power; train >= 0)

    that is  sum_r delta_r B[r,t] + (D[z,t] - s) >= beta = D[z,t] - sum_r rho_r E_r.  For a
    region q of z with modules online by t, dividing by delta = delta_q and rounding gives
    the mixed-integer rounding (MIR) inequality, with a_r = delta_r / delta and
    f = frac(beta / delta):

        module_demand[q,t]: sum_{r in z} delta (floor(a_r) f + min(frac(a_r), f)) B[r,t]
                            - s  >=  delta f ceil(beta / delta) - D[z,t]         (ZFLOP)

    It exists where beta > 0 and f is not within 1e-6 of 0 or 1.  Valid for every
    integer B >= 0 (MIR of a valid row); it cuts off the relaxation's fractional modules
    that exactly fit the demand (with one region: s <= delta (n + f (B - n)), n =
    floor(beta / delta), while the relaxation has s = delta (n + f) at B = n + f).
    """
    bld, s = v.build, v.serve
    if bld.size == 0 or s.size == 0:
        return None
    T, R = len(p.sets["period"]), len(p.sets["region"])
    rho = serve_density(p)
    delta = rho * p.module_mw
    dz = _zone_demand(p)
    Z = len(p.sets["zone"])
    existing = np.zeros(Z)
    np.add.at(existing, p.zone, rho * p.existing_mw)
    beta = dz - existing[:, None]  # (Z, T)
    first_on = np.full(R, T)
    np.minimum.at(first_on, bld["region"], bld["period"] + p.offset[bld["region"]])
    online = np.arange(T)[None, :] >= first_on[:, None]  # r has a module powered on by t
    q_beta = beta[p.zone]  # (R, T) beta of the divisor region's zone
    ratio = np.divide(q_beta, delta[:, None], out=np.zeros((R, T)), where=delta[:, None] > 0)
    frac = ratio - np.floor(ratio)
    mask = online & (delta[:, None] > 0) & (q_beta > 0) & (frac > MIR_EPS) & (frac < 1 - MIR_EPS)
    if not mask.any():
        return None
    q, t = np.nonzero(mask)
    f = frac[q, t]
    lb = np.zeros((R, T))
    lb[q, t] = delta[q] * f * np.ceil(ratio[q, t]) - dz[p.zone[q], t]
    rows = b.add_rows("module_demand", ("region", "period"), mask=mask, lb=lb)
    # serve terms: every serve entry of the row's zone and period
    i, j = _pairs(p.zone[q] * T + t, p.seg_zone[s["segment"]] * T + s["period"])
    b.add_terms(rows, {"region": q[i], "period": t[i]}, s.ids[j], -1.0)
    # build terms: build[r,tau] of the row's zone, powered on by the row's period
    i, j = _pairs(p.zone[q], p.zone[bld["region"]])
    r = bld["region"][j]
    keep = bld["period"][j] + p.offset[r] <= t[i]
    i, j, r = i[keep], j[keep], r[keep]
    a = delta[r] / delta[q[i]]
    coef = mir_coefficients(a, f[i]) * delta[q[i]]
    b.add_terms(rows, {"region": q[i], "period": t[i]}, bld.ids[j], coef)
    return rows


def define_valid(b: Builder, v: Vars, p: Params) -> list[Entries | None]:
    """Every family of valid inequalities, in the order of :data:`VALID_FAMILIES`."""
    return [define_entry_serve(b, v, p), define_entry_zone(b, v, p), define_module_demand(b, v, p)]


def free_valid_rows(lp: LinearProgram) -> LinearProgram:
    """``lp`` with the rows of :data:`VALID_FAMILIES` made free (for relaxed programs)."""
    blocks = [lp.row_blocks[n] for n in VALID_FAMILIES if n in lp.row_blocks]
    if not blocks:
        return lp
    row_lb, row_ub = lp.row_lb.copy(), lp.row_ub.copy()
    for block in blocks:
        row_lb[block.slice], row_ub[block.slice] = -np.inf, np.inf
    return dataclasses.replace(lp, row_lb=row_lb, row_ub=row_ub)
