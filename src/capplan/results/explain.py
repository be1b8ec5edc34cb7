"""Why a model is infeasible: the smallest violations, in business terms.

Method.  An *elastic* copy of the program gets one slack column on every row of the
families the registry marks elastic (:data:`capplan.model.families.ELASTIC`: campaigns,
budgets, supply, power, the MW limit and the policy shares; demand rows are ``<=`` and
need none): a ``<=`` row may then exceed its
limit and a ``>=`` row fall short of it, by the slack.  Every other cost is dropped, and
the elastic program minimises the total violation, each slack measured relative to its
row's limit (``slack / |limit|``), so that "short by 40% of a campaign" and "over by 40%
of a budget" weigh the same.  A row whose limit is 0 is measured against the median limit
of its family, and a policy row against the peak PFLOPS that a period's share of all
demand and campaign compute would keep busy.  The bounds the builder derives only to
tighten the MIP (pods from supply and budget, modules from the budget) are dropped, as for
the marginal values, so that the limits live in the rows that can give.  Integrality is
kept.  The slacks that are nonzero at the optimum are the violations; those under 0.1% of
the largest (a few units over a supply to fit a whole pod) are counted, not listed.

The limits that cause them come from the LP of the elastic program with the region-entry
choices fixed: the rows of the same families that bind with a nonzero dual, ranked by
dual x scale.  A dual equal to the row's own slack price is degenerate (giving would cost
what it saves) and is not a cause.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from capplan.backends import get_backend
from capplan.backends.base import Result, SolveOptions, Status
from capplan.data.tables import SECONDS_PER_YEAR
from capplan.model.build import Model
from capplan.model.families import BY_NAME, ELASTIC, MONEY
from capplan.model.lp import Block, LinearProgram
from capplan.model.valid import free_valid_rows
from capplan.results.marginal import LP_BACKEND

MAX_LINES = 5  # violations listed; the rest are counted
MAX_CAUSES = 3
MIN_SHARE_LISTED = 1e-3  # of the largest: smaller ones (units to fit a whole pod) are counted


@dataclass(frozen=True)
class Slacks:
    """The slack columns of an elastic program: which row each relaxes, and how."""

    start: int  # first slack column
    rows: np.ndarray  # row of the original program
    family: list[str]
    keys: list[dict[str, str]]
    limit: np.ndarray  # the row's limit (model units)
    scale: np.ndarray  # what a violation is measured against
    upper: np.ndarray  # True for a <= row (the slack lets it exceed its limit)


@dataclass(frozen=True)
class Violation:
    """One limit that must give, by ``amount`` (model units), ``share`` of its scale."""

    family: str
    keys: dict[str, str]
    limit: float
    amount: float
    share: float
    sentence: str


@dataclass(frozen=True)
class Explanation:
    """The smallest set of violations found, and the limits that force them."""

    status: Status  # of the elastic solve
    violations: list[Violation] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)
    small: int = 0  # violations under MIN_SHARE_LISTED of the largest, counted not listed

    def lines(self) -> list[str]:
        """One line per violation (the largest first); the causes join a single one."""
        if not self.status.has_solution:
            return [f"no explanation: the elastic program ended {self.status.value}"]
        if not self.violations and not self.small:
            return ["every limit can be met: the objective is unbounded, not infeasible"]
        causes = "limited by " + "; ".join(self.causes) if self.causes else ""
        out = [v.sentence for v in self.violations[:MAX_LINES]]
        more = len(self.violations) - len(out) + self.small
        if more:
            out.append(f"... and {more} smaller violation{'s' if more > 1 else ''}")
        if causes and len(out) == 1:
            return [f"{out[0]}; {causes}"]
        return out + ([causes] if causes else [])


def explain_infeasible(
    model: Model, backend: str, options: SolveOptions, scenarios: Sequence[str] = ()
) -> Explanation:
    """Solve the elastic program and describe its violations and their causes."""
    elastic, slacks = elastic_program(model)
    result = get_backend(backend).solve(elastic, options)
    if not result.status.has_solution or result.x is None:
        return Explanation(result.status)
    share = np.maximum(result.x[slacks.start :], 0.0)  # slack columns are in shares of scale
    amount = share * slacks.scale
    found = np.flatnonzero(amount > 1e-6)
    listed = share[found] >= MIN_SHARE_LISTED * share[found].max(initial=0.0)
    small = int(np.sum(~listed))
    found = found[listed]
    found = found[np.argsort(-share[found], kind="stable")]
    if found.size == 1 and slacks.family[int(found[0])] == "campaign":
        # the elastic optimum may be claimed wrongly (solver-hazards.md): state the true
        # bound, the most the campaign can get with every other limit kept
        rows = slacks.rows[found]
        for i in found.tolist():
            most = _most_deliverable(model, int(slacks.rows[i]), rows, backend, options)
            if most is not None and most > slacks.limit[i] - amount[i]:
                amount[i] = max(float(slacks.limit[i]) - most, 0.0)
                share[i] = amount[i] / slacks.scale[i]
    violations = [
        Violation(
            slacks.family[i],
            slacks.keys[i],
            float(slacks.limit[i]),
            float(amount[i]),
            float(share[i]),
            _sentence(model, slacks, i, float(amount[i]), scenarios),
        )
        for i in found.tolist()
    ]
    causes = _causes(model, elastic, slacks, result, backend, options) if violations else []
    return Explanation(result.status, violations, causes, small)


def _most_deliverable(
    model: Model, row: int, give: np.ndarray, backend: str, options: SolveOptions
) -> float | None:
    """The most a campaign row can deliver when the ``give`` rows may fall to 0 and every
    other limit holds: the row's activity, maximised (None if that solve fails)."""
    lp = model.lp
    row_lb = lp.row_lb.copy()
    row_lb[give] = 0.0
    c = np.asarray(lp.A[row].todense()).ravel()
    program = dataclasses.replace(lp, c=c, row_lb=row_lb, maximize=True)
    result = get_backend(backend).solve(program, options)
    if not result.status.has_solution or result.x is None:
        return None
    return float(c @ result.x)


def elastic_program(model: Model) -> tuple[LinearProgram, Slacks]:
    """The program with a priced slack on every row of the elastic families."""
    import scipy.sparse as sp  # here: capplan solve of a feasible model never needs it

    lp = free_valid_rows(model.lp)  # they hold for the model's rows, not with slack
    rows, family, keys, limit, scale, upper = [], [], [], [], [], []
    for name in (f.name for f in ELASTIC):
        block = lp.row_blocks.get(name)
        if block is None or len(block.index) == 0:
            continue
        hi, lo = lp.row_ub[block.slice], lp.row_lb[block.slice]
        is_upper = np.isfinite(hi)
        lim = np.where(is_upper, hi, lo)
        rows.append(np.arange(block.start, block.stop))
        family += [name] * len(lim)
        keys += _keys(block)
        limit.append(lim)
        scale.append(_scale(model, name, lim))
        upper.append(is_upper)
    n, k = lp.num_vars, len(family)
    slacks = Slacks(
        n,
        np.concatenate(rows),
        family,
        keys,
        np.concatenate(limit),
        np.concatenate(scale),
        np.concatenate(upper),
    )
    # each slack column is measured in shares of its row's scale, with cost 1: a cost of
    # 1/scale per model unit (5e-8 for a 2e7-ZFLOP campaign) is below solver tolerances
    sign = np.where(slacks.upper, -1.0, 1.0) * slacks.scale
    columns = sp.csr_matrix((sign, (slacks.rows, np.arange(k))), shape=(lp.num_rows, k))
    col_ub = lp.col_ub.copy()
    v, p = model.vars, model.params
    col_ub[v.pods.ids] = np.inf  # supply and budget limits live in their rows
    col_ub[v.build.ids] = p.build_cap[v.build["region"]]
    index = pd.Index([f"{f}[{','.join(d.values())}]" for f, d in zip(family, keys, strict=True)])
    elastic = LinearProgram(
        c=np.concatenate([np.zeros(n), np.ones(k)]),
        matrix=sp.hstack([lp.A, columns]).tocsr(),
        row_lb=lp.row_lb,
        row_ub=lp.row_ub,
        col_lb=np.concatenate([lp.col_lb, np.zeros(k)]),
        col_ub=np.concatenate([col_ub, np.full(k, np.inf)]),
        integer=np.concatenate([lp.integer, np.zeros(k, dtype=bool)]),
        maximize=False,
        name=f"{lp.name}-elastic",
        var_blocks={**lp.var_blocks, "slack": Block("slack", n, index)},
        row_blocks=lp.row_blocks,
    )
    return elastic, slacks


def _keys(block: Block) -> list[dict[str, str]]:
    """Each row's labels, {set name: label}."""
    index = block.index
    if not isinstance(index, pd.MultiIndex):
        return [{} for _ in index]
    names = [str(n) for n in index.names]
    return [dict(zip(names, map(str, key), strict=True)) for key in index]


def _scale(model: Model, family: str, limit: np.ndarray) -> np.ndarray:
    """What each row's violation is measured against (see the module docstring)."""
    if BY_NAME[family].kind == "policy":
        return np.full(len(limit), _work_pflops(model))
    size = np.abs(limit)
    nonzero = size[size > 0]
    typical = float(np.median(nonzero)) if nonzero.size else 1.0
    return np.where(size > 0, size, typical)


def _work_pflops(model: Model) -> float:
    """The peak PFLOPS that a period's share of all demand and campaign compute would keep
    busy: the size of fleet a policy share is a share of."""
    p = model.params
    periods = len(p.sets["period"])
    zflop = (float(p.demand.sum()) + float(p.camp_zflop.sum())) / periods
    zflop_per_pflops = 1e15 * SECONDS_PER_YEAR * p.period_years / 1e21
    return max(zflop / zflop_per_pflops, 1e-6)


def _causes(
    model: Model,
    elastic: LinearProgram,
    slacks: Slacks,
    mip: Result,
    backend: str,
    options: SolveOptions,
) -> list[str]:
    """The relaxed-family limits that bind the answer, strongest first (from LP duals)."""
    assert mip.x is not None
    lb, ub = elastic.col_lb.copy(), elastic.col_ub.copy()
    entry = model.vars.enter.ids
    lb[entry] = ub[entry] = np.round(mip.x[entry])
    relaxed = elastic.with_bounds(lb, ub, np.zeros(elastic.num_vars, dtype=bool))
    lp_options = dataclasses.replace(options, time_limit_s=None)
    result = get_backend(LP_BACKEND.get(backend, "glop")).solve(relaxed, lp_options)
    if result.duals is None or result.x is None or not result.status.has_solution:
        return []
    dual = np.abs(result.duals[slacks.rows])
    given = result.x[slacks.start :] > 1e-9  # a row that gives is a violation, not a cause
    # a dual equal to the slack's own price is degenerate: giving would cost what it saves
    priced = dual >= (1 - 1e-6) / slacks.scale
    strength = np.where(given | priced, 0.0, dual * slacks.scale)
    order = [i for i in np.argsort(-strength, kind="stable").tolist() if strength[i] > 1e-9]
    groups: dict[tuple[str, ...], list[int]] = {}  # the same limit in several periods
    for i in order:
        other = tuple(v for k, v in slacks.keys[i].items() if k != "period")
        groups.setdefault((slacks.family[i], *other), []).append(i)
    return [_group_name(model, slacks, rows) for rows in list(groups.values())[:MAX_CAUSES]]


def _group_name(model: Model, slacks: Slacks, rows: list[int]) -> str:
    """One limit over the periods it binds in: 'the supply of H20 for china in FY2026 and
    FY2027, 0 units' (the value only when it is the same in each)."""
    first = rows[0]
    keys = dict(slacks.keys[first])
    if "period" in keys:
        order = list(model.params.sets["period"])
        periods = sorted({slacks.keys[i]["period"] for i in rows}, key=order.index)
        keys["period"] = _and(periods)
    limits = {float(slacks.limit[i]) for i in rows}
    return _limit_name(
        model, slacks.family[first], keys, limits.pop() if len(limits) == 1 else None
    )


# --------------------------------------------------------------------------- words


def _sentence(model: Model, slacks: Slacks, i: int, amount: float, scenarios: Sequence[str]) -> str:
    """A violation in business terms."""
    name, keys, limit = slacks.family[i], slacks.keys[i], float(slacks.limit[i])
    fam = BY_NAME[name]
    over = f" (+{_pct(amount / limit)})" if limit > 0 else ""
    if fam.kind == "requirement":
        p = model.params
        at = p.sets["campaign"].get_loc(keys.get("campaign", ""))
        deadline = p.sets["period"][int(p.camp_deadline[at])]
        given = _scenario_words(scenarios)
        return (
            f"{fam.row_words(keys)} needs {_flop(limit)} FLOP by {deadline}; {given}at most "
            f"{_flop(limit - amount, down=True)} FLOP can be delivered: short by "
            f"{_pct(amount / limit)}"
        )
    words = _limit_name(model, name, keys, limit)
    if fam.kind == "policy":
        return f"{words} is missed by {_num(amount)} {fam.unit} of peak compute"
    size = _rmb(amount) if fam.unit == MONEY else f"{_num(amount)} {fam.unit}"
    return f"{words} must give {size}{over}"


def _limit_name(model: Model, family: str, keys: dict[str, str], limit: float | None) -> str:
    """A limit in words, with its value if known: 'the total budget of RMB 380.0 bn'."""
    fam = BY_NAME[family]
    p = model.params
    share = getattr(p, fam.share) if fam.share else None
    words = fam.row_words(keys, "" if not fam.share else f" of {_pct(share or 0.0)}")
    if limit is None:
        return words
    return words + fam.amount(limit, money=_rmb(limit), flop=_flop(limit))


def _and(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _scenario_words(scenarios: Sequence[str]) -> str:
    if not scenarios:
        return ""
    plural = "s" if len(scenarios) > 1 else ""
    return f"with scenario{plural} {', '.join(scenarios)} "


def _flop(zflop: float, down: bool = False) -> str:
    """ZFLOP -> FLOP in short scientific form: 15000 -> '1.5e25'; ``down`` rounds down
    (a bound on what can be delivered must stay achievable as shown)."""
    flop = zflop * 1e21
    if down and flop > 0:
        step = 10.0 ** (np.floor(np.log10(flop)) - 2)
        flop = np.floor(flop / step * (1 + 1e-12)) * step
    return f"{flop:.3g}".replace("e+", "e")


def _num(value: float) -> str:
    """12,345 or 12.3 or 0.0792: whole numbers when large, three digits when small."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _rmb(million: float) -> str:
    if abs(million) >= 1e3:
        return f"RMB {million / 1e3:,.1f} bn"
    return f"RMB {million:,.1f} million"


def _pct(share: float) -> str:
    return f"{100 * share:.0f}%" if abs(share) >= 0.01 else f"{100 * share:.2g}%"
