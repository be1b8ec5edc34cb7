"""What a sweep keeps of a solved sample, computed from the solution arrays.

A sample row holds the plan's KPIs (:func:`capplan.results.kpis.kpis`) and its capex and
fleet per period.  Making the result tables those come from (budget, fleet, demand,
capacity: pandas frames, sorted and rounded) costs more than the figures need, so
:func:`sample_figures` computes the same numbers from numpy arrays: the same formulas as
:mod:`capplan.results.tables`, the same rounding (``_clean``), rows in the same order
and sums in the same order (a column sum as numpy's, a per-period sum by pandas'
``groupby().sum()``), so the figures are equal to the last bit.
tests/test_sweep_delta.py compares them with the tables' path
(:func:`capplan.sweep.worker.plan_figures`) on sampled futures.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from capplan.model.build import Model
from capplan.model.constraints import capex_terms
from capplan.results.kpis import _share
from capplan.results.tables import TOL, _installed, present_values


def _clean(v: np.ndarray) -> np.ndarray:
    """:func:`capplan.results.tables._clean` of one float column."""
    v = np.where(np.abs(v) < 1e-9, 0.0, v)
    out: np.ndarray = np.round(v, 6) + 0.0
    return out


def sample_figures(model: Model, x: np.ndarray) -> dict[str, Any]:
    """KPIs and per-period capex and fleet of a solved sample; ``x`` with integer columns
    rounded (:func:`capplan.results.summary.integral`).  Equal to ``plan_figures``."""
    p, v = model.params, model.vars
    sets = p.sets
    periods = [str(s) for s in sets["period"]]
    T = len(periods)
    # budget
    spend = []
    for block, period, cost in capex_terms(v, p):
        arr = np.zeros(T)
        np.add.at(arr, period, cost * np.round(x[block.ids]))
        spend.append(arr)
    by_period = spend[0]
    for arr in spend[1:]:  # as sum(): left to right
        by_period = by_period + arr
    capex_by_period = _clean(by_period)
    capex_total = float(_clean(np.array([float(sum(s.sum() for s in spend))]))[0])
    cap_total = p.budget_total
    cap_total = float(_clean(np.array([cap_total]))[0]) if np.isfinite(cap_total) else np.nan
    # fleet, in the fleet table's row order
    installed = _installed(model, x[v.pods.ids])
    used = np.zeros_like(installed)
    s, tr = v.serve, v.train
    np.add.at(used, (s["region"], s["part"], s["period"]), x[s.ids] / p.util_inf[s["part"]])
    np.add.at(used, (tr["region"], tr["part"], tr["period"]), x[tr.ids] / p.util_tr[tr["part"]])
    peak_all = installed * p.pod_peak_zflop[None, :, None]
    r, q, t = np.nonzero(installed > TOL)
    region_names = np.asarray(sets["region"])
    part_names = np.asarray(sets["part"])
    order = np.lexsort((part_names[q], region_names[r], t))
    r, q, t = r[order], q[order], t[order]
    pflops = _clean(installed[r, q, t] * p.pod_pflops[q])
    peak = _clean(peak_all[r, q, t])
    used_peak = _clean(used[r, q, t])
    units = np.round(installed[r, q, t] * p.pod[q]).astype(int)
    last = t == T - 1
    domestic = p.domestic[q]
    china = np.isin(r, np.flatnonzero(p.china))
    nvidia = np.asarray(sets["vendor"])[p.vendor[q]] == "Nvidia"
    # pandas' own grouped sum (its summation is not a plain one), on the rows in order
    grouped = pd.Series(pflops).groupby(t).sum()
    fleet_pflops = grouped.reindex(range(T), fill_value=0.0).to_numpy(dtype=float)
    fleet_units = np.bincount(t, weights=units.astype(float), minlength=T)
    # demand, in the demand table's row order
    G = p.demand.shape[0]
    served = np.zeros(p.demand.shape)
    np.add.at(served, (s["segment"], s["period"]), x[s.ids])
    seg_order = np.lexsort((np.repeat(np.asarray(sets["segment"]), T), np.tile(np.arange(T), G)))
    demand = _clean(p.demand.ravel()[seg_order])
    unserved = _clean((p.demand - served).ravel()[seg_order])
    # capacity (row order as made: region by region)
    mw_used = np.einsum("rpt,p->rt", installed, p.pod_mw)
    energy = mw_used * p.pue[:, None] * p.hours
    tco2 = _clean((energy * p.gco2[:, None] / 1000).ravel())
    pv = present_values(model, x)
    peak_last = float(pflops[last].sum())
    china_last = float(pflops[last & china].sum())
    kpis = {
        "npv_rmb_m": round(pv["npv_rmb_m"], 6),
        "revenue_pv_rmb_m": round(pv["revenue_pv_rmb_m"], 6),
        "capex_rmb_m": round(capex_total, 6),
        "budget_used_share": _share(capex_total, cap_total),
        "domestic_share": _share(float(pflops[last & domestic].sum()), peak_last),
        "nvidia_share": _share(float(pflops[last & nvidia].sum()), peak_last),
        "china_domestic_share": _share(float(pflops[last & china & domestic].sum()), china_last),
        "unserved_share": _share(float(unserved.sum()), float(demand.sum())),
        "utilisation": _share(float(used_peak.sum()), float(peak.sum())),
        "tco2": round(float(tco2.sum()), 3),
        "energy_mwh": round(float(_clean(energy.ravel()).sum()), 3),
    }
    rows = [
        {
            "period": periods[i],
            "capex_rmb_m": float(capex_by_period[i]),
            "fleet_pflops": float(fleet_pflops[i]),
            "fleet_units": float(fleet_units[i]),
        }
        for i in range(T)
    ]
    return {"kpis": kpis, "periods": rows}
