"""Solution -> tidy result tables (one function per table; units in the column names).

Money is RMB million (``_rmb_m``), compute ZFLOP (1e21 FLOP), power MW of IT load unless a
column says facility MW, energy MWh, emissions tCO2.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from capplan.model.build import Model
from capplan.model.constraints import capex_terms
from capplan.model.objective import objective_parts

TOL = 1e-6


def values(model: Model, x: np.ndarray, name: str) -> pd.Series:
    """A variable block's solution as a Series on its named MultiIndex."""
    block = model.lp.var_blocks[name]
    return pd.Series(x[block.slice], index=block.index, name=name)


def _clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Round away solver noise so that equal plans give byte-identical files."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            v = out[col].to_numpy(dtype=float)
            v = np.where(np.abs(v) < 1e-9, 0.0, v)
            out[col] = np.round(v, 6) + 0.0  # + 0.0 turns -0.0 into 0.0
    return out.reset_index(drop=True)


def _installed(model: Model, pods: np.ndarray) -> np.ndarray:
    """Installed pods per (region, part, period) from pods bought, as an (R, P, T) array."""
    p = model.params
    grid = np.zeros(p.pod_cap.shape)
    v = model.vars.pods
    grid[v["region"], v["part"], v["period"]] = pods
    # installed[r,p,t] = sum_tau active[p,tau,t] * bought[r,p,tau]
    return np.einsum("rpu,put->rpt", grid, p.active.astype(float))


def investments(model: Model, x: np.ndarray) -> pd.DataFrame:
    """What is bought or built, by period, region and asset, with its capex."""
    p, v = model.params, model.vars
    sets = p.sets
    rows = []
    bld = x[v.build.ids]
    for i in np.flatnonzero(bld > 0.5):
        r, t = v.build["region"][i], v.build["period"][i]
        rows.append(
            (
                sets["period"][t],
                sets["region"][r],
                "data_centre",
                "",
                round(bld[i]),
                round(bld[i]) * p.module_mw[r],
                round(bld[i]) * p.module_capex[r, t],
            )
        )
    ent = x[v.enter.ids]
    for i in np.flatnonzero(ent > 0.5):
        r, t = v.enter["region"][i], v.enter["period"][i]
        rows.append(
            (sets["period"][t], sets["region"][r], "region_entry", "", 1, 0.0, p.entry_capex[r, t])
        )
    pods = x[v.pods.ids]
    for i in np.flatnonzero(pods > 0.5):
        r, q, t = v.pods["region"][i], v.pods["part"][i], v.pods["period"][i]
        n = round(pods[i])
        rows.append(
            (
                sets["period"][t],
                sets["region"][r],
                "accelerators",
                sets["part"][q],
                n,
                n * p.pod[q],
                n * p.pod_capex[r, q, t],
            )
        )
    frame = pd.DataFrame(
        rows,
        columns=["period", "region", "category", "part", "quantity", "amount", "capex_rmb_m"],
    ).astype({"quantity": int, "amount": float, "capex_rmb_m": float})
    order = {name: i for i, name in enumerate(sets["period"])}
    frame = frame.sort_values(
        ["period", "region", "category", "part"],
        key=lambda s: s.map(order) if s.name == "period" else s,
    )
    return _clean(frame)


def capacity(model: Model, x: np.ndarray) -> pd.DataFrame:
    """MW powered on, used and free per region and period, with power, cost and carbon."""
    p, v = model.params, model.vars
    sets = p.sets
    R, T = len(sets["region"]), len(sets["period"])
    built = np.zeros((R, T))
    b = x[v.build.ids]
    for r, tau, n in zip(v.build["region"], v.build["period"], b, strict=True):
        start = tau + p.offset[r]
        if start < T:
            built[r, start:] += round(n) * p.module_mw[r]
    online = p.existing_mw[:, None] + built
    installed = _installed(model, x[v.pods.ids])
    used = np.einsum("rpt,p->rt", installed, p.pod_mw)
    facility = used * p.pue[:, None]
    energy = facility * p.hours
    frame = pd.DataFrame(
        {
            "period": np.tile(np.asarray(sets["period"]), R),
            "region": np.repeat(np.asarray(sets["region"]), T),
            "mw_online": online.ravel(),
            "mw_used": used.ravel(),
            "mw_free": (online - used).ravel(),
            "facility_mw": facility.ravel(),
            "energy_mwh": energy.ravel(),
            "power_cost_rmb_m": (energy * p.power_rmb_per_mwh / 1e6).ravel(),
            "tco2": (energy * p.gco2[:, None] / 1000).ravel(),
        }
    )
    return _clean(frame)


def fleet(model: Model, x: np.ndarray) -> pd.DataFrame:
    """Installed accelerators and their use per region, part and period."""
    p, v = model.params, model.vars
    sets = p.sets
    installed = _installed(model, x[v.pods.ids])
    peak = installed * p.pod_peak_zflop[None, :, None]
    used = np.zeros_like(peak)
    s, tr = v.serve, v.train
    np.add.at(used, (s["region"], s["part"], s["period"]), x[s.ids] / p.util_inf[s["part"]])
    np.add.at(used, (tr["region"], tr["part"], tr["period"]), x[tr.ids] / p.util_tr[tr["part"]])
    r, q, t = np.nonzero(installed > TOL)
    frame = pd.DataFrame(
        {
            "period": np.asarray(sets["period"])[t],
            "region": np.asarray(sets["region"])[r],
            "part": np.asarray(sets["part"])[q],
            "vendor": np.asarray(sets["vendor"])[p.vendor[q]],
            "domestic": p.domestic[q],
            "pods": np.round(installed[r, q, t]).astype(int),
            "units": np.round(installed[r, q, t] * p.pod[q]).astype(int),
            "peak_pflops": installed[r, q, t] * p.pod_pflops[q],
            "peak_zflop": peak[r, q, t],
            "used_peak_zflop": used[r, q, t],
            "utilisation": used[r, q, t] / peak[r, q, t],
        }
    )
    frame["_t"] = t
    return _clean(frame.sort_values(["_t", "region", "part"]).drop(columns="_t"))


def demand(model: Model, x: np.ndarray) -> pd.DataFrame:
    """Demand, served and unserved per segment and period, with revenue."""
    p, v = model.params, model.vars
    sets = p.sets
    G, T = p.demand.shape
    served = np.zeros((G, T))
    s = v.serve
    np.add.at(served, (s["segment"], s["period"]), x[s.ids])
    frame = pd.DataFrame(
        {
            "period": np.tile(np.asarray(sets["period"]), G),
            "zone": np.repeat(np.asarray(sets["zone"])[p.seg_zone], T),
            "segment": np.repeat(np.asarray(sets["segment"]), T),
            "domestic_only": np.repeat(p.seg_domestic_only, T),
            "demand_zflop": p.demand.ravel(),
            "served_zflop": served.ravel(),
            "unserved_zflop": (p.demand - served).ravel(),
            "served_share": np.divide(
                served, p.demand, out=np.ones_like(served), where=p.demand > 0
            ).ravel(),
            "revenue_rmb_m": (served * p.revenue).ravel(),
        }
    )
    frame["_t"] = np.tile(np.arange(T), G)
    return _clean(frame.sort_values(["_t", "segment"]).drop(columns="_t"))


def serving(model: Model, x: np.ndarray) -> pd.DataFrame:
    """Inference served per segment, region, part and period (nonzero rows)."""
    return _detail(values(model, x, "serve"), "served_zflop")


def training(model: Model, x: np.ndarray) -> pd.DataFrame:
    """Training compute delivered per campaign, region, part and period (nonzero rows)."""
    return _detail(values(model, x, "train"), "zflop")


def _detail(series: pd.Series, column: str) -> pd.DataFrame:
    keep = series[series > TOL]
    frame = keep.rename(column).reset_index()
    period = frame.pop("period")
    frame.insert(0, "period", period)
    return _clean(frame)


def campaigns(model: Model, x: np.ndarray) -> pd.DataFrame:
    """Each campaign: required and delivered compute by its deadline."""
    p, v = model.params, model.vars
    K = len(p.sets["campaign"])
    delivered = np.zeros(K)
    np.add.at(delivered, v.train["campaign"], x[v.train.ids])
    short = np.zeros(K)
    np.add.at(short, v.short["campaign"], x[v.short.ids])
    periods = np.asarray(p.sets["period"])
    frame = pd.DataFrame(
        {
            "campaign": np.asarray(p.sets["campaign"]),
            "required_zflop": p.camp_zflop,
            "delivered_zflop": delivered,
            "short_zflop": short,
            "earliest": periods[p.camp_earliest],
            "deadline": periods[p.camp_deadline],
            "required": np.isnan(p.camp_penalty),
        }
    )
    return _clean(frame)


def budget(model: Model, x: np.ndarray) -> pd.DataFrame:
    """Capex per period by category against the caps, and the horizon total."""
    p, v = model.params, model.vars
    T = len(p.sets["period"])
    spend = {}
    for (block, period, cost), cat in zip(
        capex_terms(v, p), ["accelerators", "data_centre", "region_entry"], strict=True
    ):
        arr = np.zeros(T)
        np.add.at(arr, period, cost * np.round(x[block.ids]))
        spend[cat] = arr
    frame = pd.DataFrame({"period": np.asarray(p.sets["period"])})
    for cat in ["data_centre", "region_entry", "accelerators"]:
        frame[f"{cat}_rmb_m"] = spend[cat]
    frame["capex_rmb_m"] = sum(spend.values())
    frame["cap_rmb_m"] = p.budget_period
    total = {
        "period": "total",
        **{f"{c}_rmb_m": spend[c].sum() for c in ["data_centre", "region_entry", "accelerators"]},
        "capex_rmb_m": float(sum(s.sum() for s in spend.values())),
        "cap_rmb_m": p.budget_total,
    }
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    frame["used_share"] = np.where(
        np.isfinite(frame["cap_rmb_m"]), frame["capex_rmb_m"] / frame["cap_rmb_m"], np.nan
    )
    frame["cap_rmb_m"] = frame["cap_rmb_m"].where(np.isfinite(frame["cap_rmb_m"]))
    return _clean(frame)


def present_values(model: Model, x: np.ndarray) -> dict[str, float]:
    """The NPV and its parts (RMB million), whatever the objective."""
    p, v = model.params, model.vars
    o = objective_parts(v, p)
    s = v.serve
    revenue = float(
        (p.revenue[s["segment"], s["period"]] * p.disc_mid[s["period"]] * x[s.ids]).sum()
    )
    xs = {name: np.round(x[getattr(v, name).ids]) for name in ("pods", "build", "enter")}
    capex = float(
        o.pods_capex_pv @ xs["pods"]
        + o.build_capex_pv @ xs["build"]
        + o.enter_capex_pv @ xs["enter"]
    )
    opex = float(o.pods_opex_pv @ xs["pods"] + o.build_opex_pv @ xs["build"])
    residual = float(o.pods_residual_pv @ xs["pods"] + o.build_residual_pv @ xs["build"])
    residual += float(
        (o.serve_residual_factor * p.revenue[s["segment"], s["period"]] * x[s.ids]).sum()
    )
    penalty = float(o.short_penalty_pv @ x[v.short.ids])
    tie_break = float(o.serve_priority_pv @ x[s.ids])
    return {
        "revenue_pv_rmb_m": revenue,
        "capex_pv_rmb_m": capex,
        "opex_pv_rmb_m": opex,
        "residual_pv_rmb_m": residual,
        "late_penalty_pv_rmb_m": penalty,
        "npv_rmb_m": revenue - capex - opex + residual - penalty,
        "tie_break_rmb_m": tie_break,
    }
