"""The objective: net present value (default) or present cost with an unserved penalty.

Cash-flow timing (period index i = 0..T-1, period length y years, cost of capital w):
capex at the start of its period (factor (1+w)^-(i y)), revenue and opex at mid-period
((1+w)^-((i+0.5) y)), residual value at the end of the horizon ((1+w)^-(T y)).

    NPV = sum_{g,r,p,t} rev[g,t] d_mid[t] serve[g,r,p,t]
        - sum_{r,p,tau} V^pod[r,p,tau] pods[r,p,tau]
        - sum_{r,tau} V^mod[r,tau] build[r,tau]
        - sum_{r,tau} C^entry[r,tau] d_start[tau] enter[r,tau]
        - sum_k pi_k d_mid[deadline_k] short[k]

    V^pod[r,p,tau] = C^pod d_start[tau]
        + sum_{t: a[p,tau,t]} (S_p W_p/1e6 x PUE_r x hours x power[r,t]/1e6
                               + m_hw x C^pod x y) d_mid[t]
        - C^pod x max(0, 1 - (T - tau) y / life_p) d_end
    V^mod[r,tau] = C^mod d_start[tau] + sum_{t >= tau + o_r} m_shell C^mod y d_mid[t]
        - C^mod max(0, 1 - (T - tau - o_r) y / life_shell) d_end   (life from power-on)

Power is paid on the installed IT load running all period (a conservative full draw).

Residual value (``finance.residual_value``): ``straight_line`` (above, the default),
``none`` (0), or ``earnings``: the final period's operating earnings continue after the
horizon for half of each part's life, H_p = life_p / 2 (a fleet bought evenly over time has
on average half its life left), discounted to the horizon's end:

    residual = d_end x A(H_p) / y x ( sum_{g,r} rev[g,T-1] serve[g,r,p,T-1]
                                      - sum_{r,tau active at T-1} opex[r,p,tau,T-1] pods )
    A(H) = (1 - (1+w)^-H) / w   (H when w = 0)

Shells get no separate residual under ``earnings``: their value is in the pods they house.

Tie-break (on purpose): state and commercial work in a zone earn the same revenue, so
many plans tie on NPV and a solver may leave state work unserved while domestic parts
serve commercial work.  Serving a domestic-only segment earns an extra PRIORITY x rev per
ZFLOP in the objective (PRIORITY = 1e-4, i.e. RMB 2 per ZFLOP at RMB 20,000: large enough
to clear solver tolerances, small enough never to change an investment), so state work is
served first.  The reported NPV excludes it; summary.json reports it as tie_break_rmb_m.
min_cost minimises  -NPV  with rev replaced by the unserved penalty, plus the constant
penalty x total demand, i.e. present cost + penalty x unserved demand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capplan.model.algebra import Builder
from capplan.model.params import Params
from capplan.model.variables import Vars

PRIORITY = 1e-4  # tie-break weight for serving domestic-only (state) work first


@dataclass(frozen=True)
class ObjectiveParts:
    """Per-variable present values (RMB million per unit), for the objective and results."""

    pods_capex_pv: np.ndarray
    pods_opex_pv: np.ndarray
    pods_residual_pv: np.ndarray
    build_capex_pv: np.ndarray
    build_opex_pv: np.ndarray
    build_residual_pv: np.ndarray
    enter_capex_pv: np.ndarray
    serve_revenue_pv: np.ndarray
    serve_priority_pv: np.ndarray
    short_penalty_pv: np.ndarray
    serve_residual_factor: np.ndarray  # PV per RMB M of price of a serve variable's tail


def annuity(years: np.ndarray, wacc: float) -> np.ndarray:
    """Present value of 1 a year for ``years`` years (end-year flows, fractional years)."""
    if wacc == 0:
        return np.asarray(years, dtype=float)
    return (1 - (1 + wacc) ** -np.asarray(years, dtype=float)) / wacc


def serve_price(v: Vars, p: Params) -> np.ndarray:
    """RMB M per ZFLOP the objective gives each ``serve`` variable (revenue or penalty)."""
    s = v.serve
    if p.objective_kind == "max_npv":
        return np.asarray(p.revenue[s["segment"], s["period"]], dtype=float)
    return np.full(s.size, p.unserved_penalty)


def pod_opex_by_period(v: Vars, p: Params) -> np.ndarray:
    """Nominal opex (power + hardware maintenance, RMB M) of each ``pods`` variable, (n, T)."""
    pods = v.pods
    r, part, tau = pods["region"], pods["part"], pods["period"]
    capex = p.pod_capex[r, part, tau]
    maint = p.maintenance_hardware * capex * p.period_years
    # opex[i, t] = (pod_mw * PUE * hours * power[r,t] / 1e6 + maint) * active.
    # The power term depends on (region, part, t) only: it is made on that small grid (the
    # same operations on the same numbers) and the (n, T) array is then updated in place.
    power_cost = (
        p.power_rmb_per_mwh[:, None, :]
        * ((p.pod_mw[None, :] * p.pue[:, None]) * p.hours)[:, :, None]
    )  # (R, P, T)
    power_cost /= 1e6
    per_period = power_cost[r, part, :]  # (n, T), a new array
    per_period += maint[:, None]
    per_period *= p.active[part, tau, :]
    return per_period


def build_opex_by_period(v: Vars, p: Params) -> np.ndarray:
    """Nominal shell maintenance (RMB M) of each ``build`` variable, (n, T)."""
    T = len(p.sets["period"])
    bld = v.build
    br, btau = bld["region"], bld["period"]
    bcapex = p.module_capex[br, btau]
    online = np.arange(T)[None, :] >= (btau + p.offset[br])[:, None]
    rate = p.maintenance_shell * bcapex * p.period_years
    return rate[:, None] * online


def objective_parts(v: Vars, p: Params) -> ObjectiveParts:
    T = len(p.sets["period"])
    y = p.period_years
    pods = v.pods
    r, part, tau = pods["region"], pods["part"], pods["period"]
    capex = p.pod_capex[r, part, tau]
    per_period = pod_opex_by_period(v, p)
    last_opex = per_period[:, T - 1].copy() if T else np.zeros(pods.size)
    per_period *= p.disc_mid[None, :]
    opex = per_period.sum(axis=1)
    life = p.life_years
    remain = np.clip(1 - (T - tau) * y / life[part], 0.0, 1.0)

    bld = v.build
    br, btau = bld["region"], bld["period"]
    bcapex = p.module_capex[br, btau]
    bopex = build_opex_by_period(v, p) * p.disc_mid[None, :]
    bremain = np.clip(1 - (T - btau - p.offset[br]) * y / p.shell_life_years, 0.0, 1.0)

    ent = v.enter
    s = v.serve
    price = serve_price(v, p)
    deadline = p.camp_deadline
    sh = v.short
    tail = p.disc_end * annuity(life / 2, p.wacc) / y  # (P,) PV per RMB M a period at T-1
    method = p.residual_value
    if method == "straight_line":
        pods_residual = capex * remain * p.disc_end
        build_residual = bcapex * bremain * p.disc_end
        serve_factor = np.zeros(s.size)
    elif method == "none":
        pods_residual = np.zeros(pods.size)
        build_residual = np.zeros(bld.size)
        serve_factor = np.zeros(s.size)
    else:  # earnings
        pods_residual = -last_opex * tail[part]
        build_residual = np.zeros(bld.size)
        serve_factor = np.where(s["period"] == T - 1, tail[s["part"]], 0.0)
    return ObjectiveParts(
        pods_capex_pv=capex * p.disc_start[tau],
        pods_opex_pv=opex,
        pods_residual_pv=pods_residual,
        build_capex_pv=bcapex * p.disc_start[btau],
        build_opex_pv=bopex.sum(axis=1),
        build_residual_pv=build_residual,
        enter_capex_pv=p.entry_capex[ent["region"], ent["period"]] * p.disc_start[ent["period"]],
        serve_revenue_pv=price * p.disc_mid[s["period"]],
        serve_priority_pv=PRIORITY
        * price
        * p.disc_mid[s["period"]]
        * p.seg_domestic_only[s["segment"]],
        short_penalty_pv=p.camp_penalty[sh["campaign"]] * p.disc_mid[deadline[sh["campaign"]]],
        serve_residual_factor=serve_factor,
    )


def define_objective(
    b: Builder, v: Vars, p: Params, parts: ObjectiveParts | None = None
) -> tuple[bool, float]:
    """Add the objective terms; return (maximise?, constant term).

    ``parts`` are :func:`objective_parts` of the same arguments when already computed.
    """
    o = parts if parts is not None else objective_parts(v, p)
    price = serve_price(v, p)
    value = [
        (v.pods, o.pods_residual_pv - o.pods_capex_pv - o.pods_opex_pv),
        (v.build, o.build_residual_pv - o.build_capex_pv - o.build_opex_pv),
        (v.enter, -o.enter_capex_pv),
        (v.serve, o.serve_revenue_pv + o.serve_priority_pv + o.serve_residual_factor * price),
        (v.short, -o.short_penalty_pv),
    ]
    if p.objective_kind == "max_npv":
        for block, coef in value:
            b.add_objective(block, coef)
        return True, 0.0
    for block, coef in value:
        b.add_objective(block, -coef)
    penalty = p.unserved_penalty
    constant = float((penalty * p.demand * p.disc_mid[None, :]).sum())
    return False, constant
