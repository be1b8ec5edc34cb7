"""Money views of a plan: cash flow by period, the NPV bridge, IRR and payback.

Everything here is computed from the same per-variable present values as the objective
(:mod:`capplan.model.objective`), so the bridge adds up to the NPV of ``summary.json``.

``cash_flow.csv`` has one row per period, one ``end`` row (the residual value at the
horizon's end) and one ``total`` row. Amounts are RMB million; capex, opex and the late
penalty are outflows given as positive numbers, and

    net = revenue - capex - opex - late_penalty + residual

Timing (docs/model.md, "Timing conventions"): capex at the start of its period
(``start_years``), revenue, opex and penalties mid-period (``mid_years``), the residual at
the horizon's end. The ``_pv`` columns are the same amounts discounted to the plan's start
at ``finance.wacc``; their ``total`` row is the NPV bridge (``npv_bridge.csv``).

IRR is the rate r with  sum_k CF_k (1 + r)^-t_k = 0  over those flows and times (with and
without the residual); payback is when the cumulative net cash flow (without the
residual) first reaches zero, taking capex at a period's start and operating flows as
spread evenly over the period; the discounted payback does the same on ``_pv`` amounts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from capplan.model.build import Model
from capplan.model.objective import build_opex_by_period, objective_parts, pod_opex_by_period

FLOWS = ["capex", "opex", "revenue", "late_penalty", "residual"]
SIGN = {"capex": -1.0, "opex": -1.0, "revenue": 1.0, "late_penalty": -1.0, "residual": 1.0}
BRIDGE_LABELS = {
    "revenue": "Revenue",
    "capex": "Capex",
    "opex": "Opex (power and maintenance)",
    "late_penalty": "Late-campaign penalty",
    "npv_without_residual": "NPV without residual value",
    "residual": "Residual value",
    "npv": "NPV",
}
RESIDUAL_METHODS = {
    "straight_line": "straight-line: purchase price times the share of life left",
    "none": "none: no value after the horizon",
    "earnings": "earnings: PV of the final period's net earnings for half the parts' life",
}


def _per_period(model: Model, x: np.ndarray) -> dict[str, np.ndarray]:
    """Nominal amounts per period (RMB M) and the residual value at the horizon's end."""
    p, v = model.params, model.vars
    T = len(p.sets["period"])
    pods = np.round(x[v.pods.ids])
    build = np.round(x[v.build.ids])
    enter = np.round(x[v.enter.ids])
    serve = x[v.serve.ids]
    capex = np.zeros(T)
    np.add.at(
        capex,
        v.pods["period"],
        p.pod_capex[v.pods["region"], v.pods["part"], v.pods["period"]] * pods,
    )
    np.add.at(
        capex, v.build["period"], p.module_capex[v.build["region"], v.build["period"]] * build
    )
    np.add.at(capex, v.enter["period"], p.entry_capex[v.enter["region"], v.enter["period"]] * enter)
    opex = pod_opex_by_period(v, p).T @ pods + build_opex_by_period(v, p).T @ build
    s = v.serve
    price = p.revenue[s["segment"], s["period"]]
    revenue = np.zeros(T)
    np.add.at(revenue, s["period"], price * serve)
    penalty = np.zeros(T)
    sh = v.short
    deadline = p.camp_deadline
    np.add.at(penalty, deadline[sh["campaign"]], p.camp_penalty[sh["campaign"]] * x[sh.ids])
    o = objective_parts(v, p)
    residual_pv = float(
        o.pods_residual_pv @ pods
        + o.build_residual_pv @ build
        + (o.serve_residual_factor * price) @ serve
    )
    return {
        "capex": capex,
        "opex": np.asarray(opex, dtype=float),
        "revenue": revenue,
        "late_penalty": penalty,
        "residual_pv": np.array([residual_pv]),
    }


def cash_flow(model: Model, x: np.ndarray) -> pd.DataFrame:
    """Cash flow by period, nominal and discounted (``cash_flow.csv``)."""
    p = model.params
    T = len(p.sets["period"])
    y = p.period_years
    a = _per_period(model, x)
    residual_pv = float(a["residual_pv"][0])
    zeros = np.zeros(T)
    frame = pd.DataFrame(
        {
            "period": [*map(str, p.sets["period"]), "end", "total"],
            "start_years": [*(np.arange(T) * y), T * y, np.nan],
            "mid_years": [*((np.arange(T) + 0.5) * y), T * y, np.nan],
        }
    )
    factors = {"capex": p.disc_start, "opex": p.disc_mid, "revenue": p.disc_mid}
    factors["late_penalty"] = p.disc_mid
    nominal: dict[str, np.ndarray] = {}
    pv: dict[str, np.ndarray] = {}
    for f in FLOWS[:-1]:
        nominal[f] = np.append(a[f], 0.0)
        pv[f] = np.append(a[f] * factors[f], 0.0)
    nominal["residual"] = np.append(zeros, residual_pv / p.disc_end if p.disc_end else 0.0)
    pv["residual"] = np.append(zeros, residual_pv)
    for f in FLOWS:
        frame[f"{f}_rmb_m"] = _with_total(_round(nominal[f]))
    frame["net_rmb_m"] = _with_total(_round(_signed_sum(nominal)))
    for f in FLOWS:
        frame[f"{f}_pv_rmb_m"] = _with_total(_round(pv[f]))
    frame["net_pv_rmb_m"] = _with_total(_round(_signed_sum(pv)))
    return frame


def _signed_sum(amounts: dict[str, np.ndarray]) -> np.ndarray:
    out = np.zeros_like(amounts["capex"])
    for f in FLOWS:
        out = out + SIGN[f] * amounts[f]
    return out


def _round(v: np.ndarray) -> np.ndarray:
    v = np.where(np.abs(v) < 1e-9, 0.0, v)
    return np.round(v, 6) + 0.0


def _with_total(v: np.ndarray) -> np.ndarray:
    return np.append(v, round(float(v.sum()), 6) + 0.0)


def npv_bridge(flow: pd.DataFrame) -> pd.DataFrame:
    """Revenue - capex - opex - penalty (= NPV without residual) + residual = NPV."""
    total = flow[flow["period"] == "total"].iloc[0]
    amount = {f: SIGN[f] * float(total[f"{f}_pv_rmb_m"]) for f in FLOWS}
    before = sum(amount[f] for f in FLOWS[:-1])
    order = ["revenue", "capex", "opex", "late_penalty"]
    rows = [(f, "part", amount[f]) for f in order]
    rows += [("npv_without_residual", "subtotal", before), ("residual", "part", amount["residual"])]
    rows.append(("npv", "total", before + amount["residual"]))
    out = pd.DataFrame(rows, columns=["item", "kind", "pv_rmb_m"])
    out.insert(1, "label", out["item"].map(BRIDGE_LABELS))
    out["pv_rmb_m"] = np.round(out["pv_rmb_m"].to_numpy(float), 6) + 0.0
    return out


def money_tables(model: Model, x: np.ndarray) -> dict[str, pd.DataFrame]:
    """``cash_flow`` and ``npv_bridge`` of a plan, by file name."""
    flow = cash_flow(model, x)
    return {"cash_flow": flow, "npv_bridge": npv_bridge(flow)}


def flows_and_times(flow: pd.DataFrame, residual: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Every dated cash flow of the table (RMB M, years from the start)."""
    rows = flow[flow["period"] != "total"]
    amounts = [-rows["capex_rmb_m"].to_numpy(float)]
    times = [rows["start_years"].to_numpy(float)]
    operating = rows["revenue_rmb_m"] - rows["opex_rmb_m"] - rows["late_penalty_rmb_m"]
    amounts.append(operating.to_numpy(float))
    times.append(rows["mid_years"].to_numpy(float))
    if residual:
        amounts.append(rows["residual_rmb_m"].to_numpy(float))
        times.append(rows["mid_years"].to_numpy(float))
    cf, tm = np.concatenate(amounts), np.concatenate(times)
    keep = cf != 0
    return cf[keep], tm[keep]


def irr(amounts: np.ndarray, times: np.ndarray) -> float | None:
    """The one rate above -99% at which the flows' present value is zero, else None."""
    if not (amounts > 0).any() or not (amounts < 0).any():
        return None

    def pv(r: float) -> float:
        return float((amounts * (1.0 + r) ** -times).sum())

    grid = np.concatenate([np.linspace(-0.99, 1.0, 400), np.geomspace(1.01, 1e3, 200)])
    values = np.array([pv(r) for r in grid])
    signs = np.sign(values)
    changes = np.flatnonzero(signs[:-1] * signs[1:] < 0)
    if len(changes) != 1:
        return None
    i = int(changes[0])
    return _bisect(pv, float(grid[i]), float(grid[i + 1]))


def _bisect(f: Callable[[float], float], lo: float, hi: float) -> float:
    """The root of ``f`` in ``[lo, hi]`` (signs differ at the ends), to 1e-12.

    Bisection rather than SciPy's ``brentq``: importing ``scipy.optimize`` costs about
    0.3 s, a quarter of what ``capplan solve`` adds to the solver.
    """
    f_lo = f(lo)
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if hi - lo <= 1e-12 * (1.0 + abs(mid)):
            break
        f_mid = f(mid)
        if f_mid == 0.0:
            return mid
        if (f_mid < 0.0) == (f_lo < 0.0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def payback_years(flow: pd.DataFrame, discounted: bool = False) -> float | None:
    """Years from the start until the cumulative net cash flow (no residual) reaches 0."""
    rows = flow[~flow["period"].isin(["end", "total"])]
    sfx = "_pv_rmb_m" if discounted else "_rmb_m"
    cum = 0.0
    for _, row in rows.iterrows():
        start = float(row["start_years"])
        length = 2 * (float(row["mid_years"]) - start)
        cum -= float(row["capex" + sfx])
        operating = float(row["revenue" + sfx] - row["opex" + sfx] - row["late_penalty" + sfx])
        if cum < 0 <= cum + operating:
            return start + length * (-cum / operating)
        cum += operating
    return 0.0 if cum >= 0 and not (rows["capex" + sfx] > 0).any() else None


def money_summary(tables: dict[str, pd.DataFrame], method: str) -> dict[str, Any]:
    """Headline money figures from ``cash_flow`` and ``npv_bridge`` (for summary.json)."""
    flow, bridge = tables["cash_flow"], tables["npv_bridge"]
    item = dict(zip(bridge["item"], bridge["pv_rmb_m"], strict=True))
    rate = irr(*flows_and_times(flow))
    rate_without = irr(*flows_and_times(flow, residual=False))
    return {
        "residual_method": method,
        "residual_method_text": RESIDUAL_METHODS[method],
        "npv_rmb_m": item["npv"],
        "npv_without_residual_rmb_m": item["npv_without_residual"],
        "residual_pv_rmb_m": item["residual"],
        "irr": None if rate is None else round(rate, 6),
        "irr_without_residual": None if rate_without is None else round(rate_without, 6),
        "payback_years": _r(payback_years(flow)),
        "discounted_payback_years": _r(payback_years(flow, discounted=True)),
    }


def _r(v: float | None) -> float | None:
    return None if v is None else round(v, 6)


def _bn(value_m: float | None) -> str:
    return "n/a" if value_m is None else f"RMB {value_m / 1e3:,.1f} bn"


def _pct(rate: float | None) -> str:
    return "none (no single rate)" if rate is None else f"{100 * rate:.1f}%"


def _years(value: float | None) -> str:
    return "not within the horizon" if value is None else f"{value:.1f} years"


def money_rows(money: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) lines for the terminal summary and the report's headline."""
    return [
        (
            "residual value",
            f"{_bn(money['residual_pv_rmb_m'])} (PV), method {money['residual_method_text']}",
        ),
        ("NPV w/o residual", _bn(money["npv_without_residual_rmb_m"])),
        (
            "IRR",
            f"{_pct(money['irr'])} with residual, {_pct(money['irr_without_residual'])} without",
        ),
        (
            "payback",
            f"{_years(money['payback_years'])} "
            f"(discounted: {_years(money['discounted_payback_years'])})",
        ),
    ]
