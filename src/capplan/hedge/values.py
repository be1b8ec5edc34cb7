"""Solve a stochastic program: RP, WS, EV, EEV, the value distribution and VSS / EVPI.

Definitions (Birge and Louveaux, *Introduction to Stochastic Programming*, ch. 4), in the
program's own sense (a maximisation reports values to maximise, a minimisation costs):

* **RP**, the recourse problem: the hedged plan's objective (the deterministic
  equivalent, :func:`capplan.hedge.program.stack`).
* **WS**, wait-and-see: each future solved alone, as if it were known in advance; WS is
  the hedge objective of those values (the probability-weighted mean when risk-neutral).
* **EV**: the objective of the mean-value program
  (:func:`capplan.hedge.meanvalue.mean_value_program`).
* **EEV**: the hedge objective when the first-stage decisions are fixed to the EV plan's
  and every later decision adapts to each future.
* **EVPI** = WS - RP and **VSS** = RP - EEV for maximisation (RP - WS and EEV - RP for
  minimisation): both >= 0 in exact arithmetic.  Each comes with the bracket its solves
  prove (a MIP stopped at a gap knows its optimum only within [plan, bound]); a negative
  VSS inside its bracket is reported as it is, never clamped.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from capplan.backends import get_backend
from capplan.backends.base import Result, SolveOptions, Status
from capplan.hedge.meanvalue import mean_value_program
from capplan.hedge.program import Member, Risk, Stacked, cvar, quantile, stack
from capplan.hedge.start import timed_start
from capplan.model.lp import LinearProgram
from capplan.verify import solve_scaled

Bracket = tuple[float, float]


@dataclass(frozen=True)
class Solved:
    """One solve: its status, value and proven bracket, in max form (``sign * objective``)."""

    label: str
    status: str
    value: float | None
    bracket: Bracket | None
    gap: float | None
    seconds: float
    x: np.ndarray | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Hedge:
    """Everything a hedge solve found (values in max form; see :func:`report_values`)."""

    members: tuple[Member, ...]
    sign: float  # +1 for maximisation programs, -1 for minimisation
    risk: Risk
    stacked: Stacked
    rp: Solved
    ws: tuple[Solved, ...]
    ev: Solved
    eev: Solved
    plans: tuple[np.ndarray, ...]  # each future's columns in the hedged plan
    future_values: np.ndarray  # each future's value (max form) in the hedged plan
    excluded: tuple[str, ...]  # futures of probability 0, left out of the program
    first: Solved | None = None  # RP's first plan, by relax-and-fix (capplan.hedge.start)


def _integral(lp: LinearProgram, x: np.ndarray) -> np.ndarray:
    out = x.copy()
    out[lp.integer] = np.round(out[lp.integer])
    return out


def run_solve(
    label: str,
    lp: LinearProgram,
    backend: str,
    options: SolveOptions,
    start: np.ndarray | None = None,
) -> Solved:
    """Solve ``lp`` (from ``start``, if given) and state what is proven, in max form."""
    t0 = time.perf_counter()
    result: Result = solve_scaled(get_backend(backend), lp, options, start=start)
    seconds = time.perf_counter() - t0
    if not result.status.has_solution or result.x is None or result.objective is None:
        return Solved(label, str(result.status), None, None, None, seconds)
    s = 1.0 if lp.maximize else -1.0
    x = _integral(lp, result.x)
    value = s * lp.objective_value(x)
    if result.bound is not None and np.isfinite(result.bound):
        top = max(value, s * result.bound)
    elif result.status is Status.OPTIMAL:
        top = value + (options.mip_gap if lp.is_mip else 0.0) * max(1.0, abs(value))
    else:
        top = np.inf
    gap = (top - value) / max(1.0, abs(value)) if np.isfinite(top) else None
    return Solved(label, str(result.status), value, (value, float(top)), gap, seconds, x)


def objective_of(values: np.ndarray, probs: np.ndarray, risk: Risk) -> float:
    """(1 - w) E[v] + w CVaR_alpha(v) of values in max form."""
    mean = float(probs @ values)
    if risk.cvar_weight == 0:
        return mean
    return (1 - risk.cvar_weight) * mean + risk.cvar_weight * cvar(values, probs, risk.cvar_alpha)


def solve_hedge(
    members: Sequence[Member],
    backend: str,
    options: SolveOptions,
    risk: Risk | None = None,
    on_stage: object = None,
    values: bool = True,
) -> Hedge:
    """RP, WS, EV and EEV of a stochastic program (the futures of probability 0 are left
    out: a future that cannot happen must not constrain the plan).  ``values=False``
    solves RP only (WS, EV and EEV are then reported as not solved)."""
    risk = risk or Risk()
    kept = tuple(m for m in members if m.probability > 0)
    excluded = tuple(m.name for m in members if m.probability <= 0)
    stage = on_stage if callable(on_stage) else (lambda _s, _d: None)
    stage("hedge", f"{len(kept)} futures")
    stacked = stack(kept, risk)
    start, first, rp_options = None, None, options
    if len({m.nodes for m in kept}) > 1:  # a tree, not one future
        stage("first plan", "relax-and-fix over the stages")
        start, start_s, rp_options = timed_start(stacked, backend, options)
        found = "feasible" if start is not None else "none found"
        value = None if start is None else float(stacked.lp.objective_value(start))
        first = Solved("first plan (relax-and-fix)", found, value, None, None, start_s)
    rp = run_solve("RP", stacked.lp, backend, rp_options, start)
    if first is not None:  # RP's time includes its first plan's
        rp = replace(rp, seconds=rp.seconds + first.seconds)
    plans: tuple[np.ndarray, ...] = ()
    future_values = np.full(len(kept), np.nan)
    if rp.x is not None:
        plans = tuple(stacked.split(rp.x))
        future_values = np.array([m.value(x) for m, x in zip(kept, plans, strict=True)])
    skipped = "not solved (values=False)"
    ws = tuple(Solved(f"WS {m.name}", skipped, None, None, None, 0.0) for m in kept)
    ev = Solved("EV", skipped, None, None, None, 0.0)
    eev = Solved("EEV", "not solved: no EV plan" if values else skipped, None, None, None, 0.0)
    if values:
        stage("wait-and-see", f"{len(kept)} solves")
        ws = tuple(run_solve(f"WS {m.name}", m.lp, backend, options) for m in kept)
        stage("mean value", "EV and EEV")
        ev_lp, ev_maps = mean_value_program(kept)
        ev = run_solve("EV", ev_lp, backend, options)
        if ev.x is not None:
            fixed = _fix_root(stacked, kept, ev.x, ev_maps)
            eev = run_solve("EEV", fixed, backend, options)
    sign = kept[0].sign
    return Hedge(kept, sign, risk, stacked, rp, ws, ev, eev, plans, future_values, excluded, first)


def _fix_root(
    stacked: Stacked, members: Sequence[Member], ev_x: np.ndarray, ev_maps: list[np.ndarray]
) -> LinearProgram:
    """The stacked program with its first-stage columns fixed to the EV plan's values."""
    keys, cols = stacked.root()
    value: dict[str, float] = {}
    for m, ev_map in zip(members, ev_maps, strict=True):
        for key, col in zip(m.stage_keys[0], m.stage_cols[0], strict=True):
            value.setdefault(key, float(ev_x[ev_map[col]]))
    fixed = np.array([value.get(k, 0.0) for k in keys])
    lb, ub = stacked.lp.col_lb.copy(), stacked.lp.col_ub.copy()
    fixed = np.clip(fixed, lb[cols], ub[cols])
    lb[cols] = fixed
    ub[cols] = fixed
    return replace(stacked.lp.with_bounds(col_lb=lb, col_ub=ub), name=stacked.lp.name + "-eev")


def _ws_value(hedge: Hedge) -> tuple[float | None, Bracket | None]:
    if any(s.bracket is None for s in hedge.ws):
        return None, None
    probs = np.array([m.probability for m in hedge.members])
    lo = np.array([s.bracket[0] for s in hedge.ws if s.bracket])
    hi = np.array([s.bracket[1] for s in hedge.ws if s.bracket])
    return objective_of(lo, probs, hedge.risk), (
        objective_of(lo, probs, hedge.risk),
        objective_of(hi, probs, hedge.risk),
    )


def _own_sense(sign: float, value: float | None, bracket: Bracket | None) -> dict[str, object]:
    if value is None or bracket is None:
        return {"value": None, "bracket": None}
    ends = sorted([sign * bracket[0], sign * bracket[1]])
    return {"value": sign * value, "bracket": ends}


def report_values(hedge: Hedge) -> dict[str, object]:
    """RP, WS, EV, EEV (the program's own sense), EVPI and VSS, each with its bracket."""
    s = hedge.sign
    ws_value, ws_bracket = _ws_value(hedge)
    out: dict[str, object] = {
        "sense": "maximise" if s > 0 else "minimise",
        "RP": {**_own_sense(s, hedge.rp.value, hedge.rp.bracket), "status": hedge.rp.status},
        "WS": {**_own_sense(s, ws_value, ws_bracket), "solves": len(hedge.ws)},
        "EV": {**_own_sense(s, hedge.ev.value, hedge.ev.bracket), "status": hedge.ev.status},
        "EEV": {**_own_sense(s, hedge.eev.value, hedge.eev.bracket), "status": hedge.eev.status},
    }
    rp, eev = hedge.rp, hedge.eev
    out["EVPI"] = _difference(ws_value, ws_bracket, rp.value, rp.bracket)
    out["VSS"] = _difference(rp.value, rp.bracket, eev.value, eev.bracket)
    return out


def _difference(
    a: float | None, a_br: Bracket | None, b: float | None, b_br: Bracket | None
) -> dict[str, object]:
    """a - b (max form) with the bracket [a_lo - b_hi, a_hi - b_lo]."""
    if a is None or b is None or a_br is None or b_br is None:
        return {"value": None, "bracket": None}
    return {"value": a - b, "bracket": [a_br[0] - b_br[1], a_br[1] - b_br[0]]}


def distribution(hedge: Hedge, alpha: float | None = None) -> dict[str, float | None]:
    """Mean, P5, P50, P95 and CVaR of the futures' values in the hedged plan (own sense;
    CVaR of the worst tail: lowest values for maximisation, highest costs otherwise)."""
    v = hedge.future_values
    if np.isnan(v).any():
        return {"mean": None, "p5": None, "p50": None, "p95": None, "cvar": None}
    probs = np.array([m.probability for m in hedge.members])
    a = hedge.risk.cvar_alpha if alpha is None else alpha
    s = hedge.sign
    own = s * v
    q = {k: quantile(own, probs, level) for k, level in (("p5", 0.05), ("p50", 0.5), ("p95", 0.95))}
    return {
        "mean": s * float(probs @ v),
        **q,
        "cvar": s * cvar(v, probs, a),
        "cvar_alpha": a,
    }
