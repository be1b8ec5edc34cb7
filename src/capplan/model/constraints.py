"""One function per constraint family; the algebra is in each docstring.

Notation: r region, p part, t and tau periods, g demand segment, k campaign, m market,
v vendor.  build[r,t] modules, enter[r,t] binary, pods[r,p,t], serve[g,r,p,t] and
train[k,r,p,t] in ZFLOP, short[k] in ZFLOP.  a[p,tau,t] = 1 when a pod bought in tau is
still installed in t (t - tau < life_p / period_years).  o_r = periods from build
decision to power-on.  docs/model.md states the same algebra with units.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from capplan.model.algebra import Builder, Entries
from capplan.model.params import Params
from capplan.model.variables import Vars, module_bound


def _over_periods(ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, T) bool -> (entry i, period t) pairs where ok[i, t]."""
    i, t = np.nonzero(ok)
    return i, t


@dataclass(frozen=True)
class Installed:
    """Each pods entry i with each period t it is installed in, as pairs by entry then t.

    The pairs are those of ``np.nonzero(p.active[part_i, period_i, :])``, in the same
    order.  ``expand(x)`` repeats a per-entry array once per pair (``x[i]`` for each pair),
    which is cheaper than indexing with ``i``.
    """

    lengths: np.ndarray  # (entries,) number of periods each entry is installed in
    t: np.ndarray  # (pairs,) the period of each pair

    def expand(self, per_entry: np.ndarray) -> np.ndarray:
        return np.repeat(per_entry, self.lengths)

    @cached_property
    def i(self) -> np.ndarray:
        return self.expand(np.arange(len(self.lengths), dtype=np.int64))


def _installed(b: Builder, v: Vars, p: Params) -> Installed:
    """The installed pairs of the pods entries, made once per build (several families use them)."""
    return b.memo("installed", lambda: _installed_pairs(v, p))


def _installed_pairs(v: Vars, p: Params) -> Installed:
    pods = v.pods
    active = p.active
    part, tau = pods["part"], pods["period"]
    runs = active.sum(axis=2)  # (P, T): periods installed when bought in tau
    first = active.argmax(axis=2)  # (P, T): first period installed
    last = active.shape[2] - 1 - active[:, :, ::-1].argmax(axis=2)
    if not np.array_equal(np.where(runs > 0, last - first + 1, 0), runs):  # not one run
        ok = active[part, tau, :]
        return Installed(ok.sum(axis=1), np.nonzero(ok)[1])
    lengths = runs[part, tau]
    starts = np.cumsum(lengths) - lengths  # position of each entry's first pair
    t = np.arange(int(lengths.sum()), dtype=np.int64)
    t += np.repeat(first[part, tau] - starts, lengths)
    return Installed(lengths, t)


def _installed_cols(b: Builder, v: Vars, p: Params) -> np.ndarray:
    """The pods column of each installed pair."""
    return b.memo("installed_cols", lambda: _installed(b, v, p).expand(v.pods.ids))


def _online(v: Vars, p: Params) -> tuple[np.ndarray, np.ndarray]:
    """For each build entry and each period its modules are powered in: (entry i, t)."""
    T = len(p.sets["period"])
    start = v.build["period"] + p.offset[v.build["region"]]
    return _over_periods(np.arange(T)[None, :] >= start[:, None])


def define_entry(b: Builder, v: Vars, p: Params) -> list[Entries]:
    """Entering a new region: once, before any build, with a minimum first build.

        entry_once[r]:       sum_t enter[r,t] <= 1
        entry_gate[r,t]:     build[r,t] - U_r * sum_{tau<=t} enter[r,tau] <= 0
        entry_min_build[r,t]: M_r * build[r,t] - F_r * enter[r,t] >= 0

    for regions with no existing capacity and an entry cost or minimum first build.
    U_r is the module bound of the build variable; M_r MW per module; F_r the minimum
    first build in MW.  The fixed entry cost is charged through enter in the budget and
    the objective.
    """
    if v.enter.size == 0:
        return []
    e = v.enter
    regions_mask = np.zeros(len(p.sets["region"]), dtype=bool)
    regions_mask[e["region"]] = True
    once = b.add_rows("entry_once", ("region",), mask=regions_mask, ub=1.0)
    b.add_terms(once, {"region": e["region"]}, e.ids, 1.0)

    grid = np.zeros(b.shape(("region", "period")), dtype=bool)
    grid[e["region"], e["period"]] = True
    gate = b.add_rows("entry_gate", ("region", "period"), mask=grid, ub=0.0)
    minimum = b.add_rows("entry_min_build", ("region", "period"), mask=grid, lb=0.0)
    bld = v.build
    b.add_terms(gate, {"region": bld["region"], "period": bld["period"]}, bld.ids, 1.0)
    bound = module_bound(p)
    i, t = _over_periods(np.arange(grid.shape[1])[None, :] >= e["period"][:, None])
    b.add_terms(gate, {"region": e["region"][i], "period": t}, e.ids[i], -bound[e["region"][i]])
    b.add_terms(
        minimum,
        {"region": bld["region"], "period": bld["period"]},
        bld.ids,
        p.module_mw[bld["region"]],
    )
    b.add_terms(
        minimum, {"region": e["region"], "period": e["period"]}, e.ids, -p.min_first_mw[e["region"]]
    )
    return [once, gate, minimum]


def define_mw_total(b: Builder, v: Vars, p: Params) -> Entries | None:
    """Horizon limit on new MW per region (grid connections, moratoria, permits).

        mw_total[r]: sum_t M_r * build[r,t] <= Wmax_r        (MW of IT load)

    The per-period limit is the build variable's upper bound floor(Wper_r / M_r).
    """
    mask = np.isfinite(p.mw_total)
    if not mask.any():
        return None
    rows = b.add_rows("mw_total", ("region",), mask=mask, ub=p.mw_total)
    bld = v.build
    b.add_terms(rows, {"region": bld["region"]}, bld.ids, p.module_mw[bld["region"]])
    return rows


def define_power(b: Builder, v: Vars, p: Params) -> Entries:
    """Installed accelerators fit in the MW powered on (existing plus built after lead time).

        power[r,t]: sum_{p,tau} a[p,tau,t] * S_p * W_p / 1e6 * pods[r,p,tau]
                    - sum_{tau <= t - o_r} M_r * build[r,tau]  <=  E_r     (MW of IT load)

    S_p units per pod, W_p IT watts per unit including host share, E_r existing free MW.
    Facility power (IT load x PUE) is what the grid supplies and what is paid for.
    """
    rows = b.add_rows("power", ("region", "period"), ub=p.existing_mw[:, None])
    pods = v.pods
    inst = _installed(b, v, p)
    T = len(p.sets["period"])
    at = inst.expand(pods["region"] * T)  # grid position of row (region, period)
    at += inst.t
    b.add_terms_at(rows, at, _installed_cols(b, v, p), inst.expand(p.pod_mw[pods["part"]]))
    bld = v.build
    j, t2 = _online(v, p)
    b.add_terms(
        rows, {"region": bld["region"][j], "period": t2}, bld.ids[j], -p.module_mw[bld["region"][j]]
    )
    return rows


def define_supply(b: Builder, v: Vars, p: Params) -> Entries:
    """Units obtainable per part, market and period (licences, foundry output, allocation).

    supply[p,m,t]: sum_{r in m} S_p * pods[r,p,t] <= Q[p,m,t]          (units)
    """
    pods = v.pods
    mask = np.zeros(b.shape(("part", "market", "period")), dtype=bool)
    mask[pods["part"], p.market[pods["region"]], pods["period"]] = True
    rows = b.add_rows("supply", ("part", "market", "period"), mask=mask, ub=p.supply_units)
    b.add_terms(
        rows,
        {"part": pods["part"], "market": p.market[pods["region"]], "period": pods["period"]},
        pods.ids,
        p.pod[pods["part"]],
    )
    return rows


def define_compute(b: Builder, v: Vars, p: Params) -> Entries:
    """What is served or trained fits in the installed effective compute.

        compute[r,p,t]: sum_g serve[g,r,p,t] / u^inf_p + sum_k train[k,r,p,t] / u^tr_p
                        - sum_tau a[p,tau,t] * S_p * h_p * pods[r,p,tau] <= 0      (ZFLOP)

    h_p = dense TFLOPS x 1e12 x seconds per period / 1e21, the peak ZFLOP of one unit in
    one period; u the share of peak delivered in inference or training.  Dividing use by
    utilisation measures both in peak compute.
    """
    mask = np.broadcast_to(p.eligible[:, :, None], b.shape(("region", "part", "period")))
    rows = b.add_rows("compute", ("region", "part", "period"), mask=mask, ub=0.0)
    s = v.serve
    b.add_terms(
        rows,
        {"region": s["region"], "part": s["part"], "period": s["period"]},
        s.ids,
        1.0 / p.util_inf[s["part"]],
    )
    tr = v.train
    b.add_terms(
        rows,
        {"region": tr["region"], "part": tr["part"], "period": tr["period"]},
        tr.ids,
        1.0 / p.util_tr[tr["part"]],
    )
    pods = v.pods
    inst = _installed(b, v, p)
    coef = inst.expand(-p.pod_peak_zflop[pods["part"]])
    table = b.lookup(rows)  # (R, P, T) -> row id
    first = table[:, :, :1]
    if np.array_equal(table, np.where(first >= 0, first + np.arange(table.shape[2]), -1)):
        # the rows of each region and part are consecutive over the periods
        at = inst.expand(first[pods["region"], pods["part"], 0])
        at += inst.t
        b.add_terms_rows(rows, at, _installed_cols(b, v, p), coef)
    else:
        T, P = len(p.sets["period"]), len(p.sets["part"])
        at = inst.expand((pods["region"] * P + pods["part"]) * T)  # row (region, part, period)
        at += inst.t
        b.add_terms_at(rows, at, _installed_cols(b, v, p), coef)
    return rows


def define_demand(b: Builder, v: Vars, p: Params) -> Entries:
    """Inference served in a segment is at most its demand (residency is in serve's domain).

    demand[g,t]: sum_{r in zone(g), p} serve[g,r,p,t] <= D[g,t]          (ZFLOP)
    """
    rows = b.add_rows("demand", ("segment", "period"), ub=p.demand)
    s = v.serve
    b.add_terms(rows, {"segment": s["segment"], "period": s["period"]}, s.ids, 1.0)
    return rows


def define_campaigns(b: Builder, v: Vars, p: Params) -> Entries | None:
    """Each training campaign delivers its compute by its deadline.

        campaign[k]: sum_{r,p,t in window_k} train[k,r,p,t] + short[k] >= F_k     (ZFLOP)

    where train exists only on the campaign's allowed and eligible region-part pairs and
    short[k] exists only for campaigns with a late penalty (otherwise the row is hard).
    """
    if len(p.sets["campaign"]) == 0:
        return None
    rows = b.add_rows("campaign", ("campaign",), lb=p.camp_zflop)
    tr, sh = v.train, v.short
    b.add_terms(rows, {"campaign": tr["campaign"]}, tr.ids, 1.0)
    b.add_terms(rows, {"campaign": sh["campaign"]}, sh.ids, 1.0)
    return rows


def capex_terms(v: Vars, p: Params) -> list[tuple[Entries, np.ndarray, np.ndarray]]:
    """(variables, period of spend, RMB million per unit of the variable) for every capex."""
    pods, bld, ent = v.pods, v.build, v.enter
    return [
        (pods, pods["period"], p.pod_capex[pods["region"], pods["part"], pods["period"]]),
        (bld, bld["period"], p.module_capex[bld["region"], bld["period"]]),
        (ent, ent["period"], p.entry_capex[ent["region"], ent["period"]]),
    ]


def define_budget(b: Builder, v: Vars, p: Params) -> list[Entries]:
    """Capex within the budget, per period and in total, in RMB at the period's rates.

        budget_period[t]: sum_{r,p} C^pod[r,p,t] pods[r,p,t] + sum_r C^mod[r,t] build[r,t]
                          + sum_r C^entry[r,t] enter[r,t] <= B_t                (RMB million)
        budget_total:     sum_t (same) <= B

    C^pod = S_p x price_p x (1 + uplift) x (1 + premium[p,m(r),t]) x RMB/USD[t] / 1e6;
    C^mod = M_r x capex per MW_r x RMB per unit of r's currency[t]; C^entry likewise.
    """
    out = []
    mask = np.isfinite(p.budget_period)
    if mask.any():
        per = b.add_rows("budget_period", ("period",), mask=mask, ub=p.budget_period)
        for block, period, cost in capex_terms(v, p):
            b.add_terms(per, {"period": period}, block.ids, cost)
        out.append(per)
    total = b.add_rows("budget_total", (), ub=p.budget_total)
    for block, _period, cost in capex_terms(v, p):
        b.add_terms(total, {}, block.ids, cost)
    out.append(total)
    return out


def define_domestic_share(b: Builder, v: Vars, p: Params) -> Entries | None:
    """Optional: a minimum share of China's installed compute on domestic parts.

        domestic_share[t]: sum_{r in china, p, tau} a[p,tau,t] (d_p - delta) Phi_p pods[r,p,tau]
                           >= 0                                              (PFLOPS)

    d_p = 1 for a domestic part, Phi_p = peak PFLOPS of one pod, delta the share.  Counts
    only the pods this plan buys (the existing fleet is outside the model).
    """
    share = p.min_domestic_share_china
    if share is None:
        return None
    rows = b.add_rows("domestic_share", ("period",), lb=0.0)
    pods = v.pods
    inst = _installed(b, v, p)
    i, t = inst.i, inst.t
    keep = p.china[pods["region"][i]]
    i, t = i[keep], t[keep]
    part = pods["part"][i]
    b.add_terms(
        rows,
        {"period": t},
        pods.ids[i],
        (p.domestic[part].astype(float) - share) * p.pod_pflops[part],
    )
    return rows


def define_vendor_cap(b: Builder, v: Vars, p: Params) -> Entries | None:
    """Optional: no foreign vendor supplies more than a share of the fleet's compute.

    vendor_cap[v,t]: sum_{r,p,tau} a[p,tau,t] (1[vendor_p = v] - kappa) Phi_p pods[r,p,tau]
                     <= 0                for every foreign vendor v     (PFLOPS)
    """
    share = p.max_foreign_vendor_share
    if share is None or not p.foreign_vendor.any():
        return None
    mask = np.broadcast_to(p.foreign_vendor[:, None], b.shape(("vendor", "period")))
    rows = b.add_rows("vendor_cap", ("vendor", "period"), mask=mask, ub=0.0)
    pods = v.pods
    inst = _installed(b, v, p)
    i, t = inst.i, inst.t
    part = pods["part"][i]
    for vendor in np.flatnonzero(p.foreign_vendor):  # a handful of vendors, not entries
        coef = ((p.vendor[part] == vendor).astype(float) - share) * p.pod_pflops[part]
        b.add_terms(rows, {"vendor": np.full(len(i), vendor), "period": t}, pods.ids[i], coef)
    return rows
