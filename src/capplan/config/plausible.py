"""Plausible ranges of every numeric input, and warnings for values outside them.

A value the schema accepts may still be a slip: a budget typed in RMB rather than RMB
billion, a capex per MW in currency units rather than millions, demand in FLOP rather
than ZFLOP. Each numeric field has a plausible range here (:data:`RANGES`, documented in
docs/inputs.md, "Plausible ranges"). Money of a region is compared in USD at its first
period's exchange rate, so one range serves every currency. A value outside its range is a
warning naming the file, the row or key, the column and the likely unit slip (the known
slip whose factor brings the value nearest the range); ``--strict`` makes warnings errors
(exit code 2). One warning per file and column: the first row outside, and how many more.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from capplan.config.schema import TABLE_KEYS, ModelFile
from capplan.errors import Problem


@dataclass(frozen=True)
class Range:
    """Plausible values of one field, in its unit, and the unit slips people make."""

    lo: float
    hi: float
    unit: str
    slips: tuple[tuple[float, str], ...] = ()
    usd: bool = False  # compare in USD (a region's money, in its own currency)


BN = ((1e9, "typed in RMB rather than RMB billion"), (1e3, "in RMB million, not billion"))
MILLIONS = ((1e6, "typed in currency units rather than millions"),)
RANGES: dict[str, Range] = {
    "budget.total_rmb_bn": Range(1, 5_000, "RMB bn", BN),
    "budget.per_period_rmb_bn": Range(0, 5_000, "RMB bn", BN),
    "horizon.period_years": Range(0.08, 5, "years"),
    "finance.wacc": Range(0, 0.25, "a share a year", ((100, "a percentage, not a share"),)),
    "finance.server_uplift": Range(0, 1.5, "a share", ((100, "a percentage, not a share"),)),
    "finance.maintenance_rate_hardware": Range(0, 0.2, "a share a year"),
    "finance.maintenance_rate_shell": Range(0, 0.2, "a share a year"),
    "finance.shell_life_years": Range(5, 50, "years"),
    "finance.carbon_price_rmb_per_t": Range(0, 3_000, "RMB per tCO2"),
    "objective.unserved_penalty_rmb_per_zflop": Range(0, 1e7, "RMB per ZFLOP"),
    "solver.time_limit_s": Range(0.001, 1e6, "s"),
    "solver.mip_gap": Range(0, 0.5, "a share"),
    "solver.threads": Range(1, 256, "threads"),
    "solver.seed": Range(0, 2**31, "-"),
    "regions.existing_mw": Range(0, 5_000, "MW IT", ((1e3, "in kW rather than MW"),)),
    "regions.module_mw": Range(0.5, 500, "MW IT", ((1e3, "in kW rather than MW"),)),
    "regions.capex_per_mw_m": Range(1, 60, "USD M per MW at the region's rate", MILLIONS, True),
    "regions.lead_time_months": Range(0, 72, "months"),
    "regions.pue": Range(1, 2.5, "-"),
    "regions.power_price_per_mwh": Range(
        5, 600, "USD per MWh at the region's rate", ((1e3, "per kWh x 1000?"),), True
    ),
    "regions.grid_gco2_per_kwh": Range(0, 1_200, "gCO2/kWh", ((1e3, "in mg per kWh?"),)),
    "regions.max_new_mw_per_period": Range(0, 20_000, "MW IT", ((1e3, "in kW rather than MW"),)),
    "regions.max_new_mw_total": Range(0, 50_000, "MW IT", ((1e3, "in kW rather than MW"),)),
    "regions.entry_cost_m": Range(0, 5_000, "USD M at the region's rate", MILLIONS, True),
    "regions.min_first_build_mw": Range(0, 2_000, "MW IT", ((1e3, "in kW rather than MW"),)),
    "parts.price_usd": Range(
        500, 250_000, "USD per unit", ((1e-3, "in USD thousands?"), (7, "in RMB, not USD?"))
    ),
    "parts.tflops": Range(10, 50_000, "TFLOPS", ((1e3, "in GFLOPS rather than TFLOPS"),)),
    "parts.memory_gb": Range(0, 2_000, "GB"),
    "parts.watts": Range(50, 5_000, "W", ((1e-3, "in kW rather than W"),)),
    "parts.life_years": Range(1, 15, "years", ((12, "in months rather than years"),)),
    "parts.pod_size": Range(1, 4_096, "units"),
    "parts.util_inference": Range(0.05, 1, "a share"),
    "parts.util_training": Range(0.05, 1, "a share"),
    "supply.units": Range(0, 1e7, "units", ((1e3, "x 1000?"),)),
    "supply.price_premium": Range(0, 2, "a share", ((100, "a percentage, not a share"),)),
    "demand.demand_zflop": Range(0, 1e9, "ZFLOP", ((1e21, "in FLOP rather than ZFLOP"),)),
    "demand.revenue_rmb_per_zflop": Range(
        0, 1e6, "RMB per ZFLOP", ((1e21, "per FLOP x 1e21?"), (1e-3, "in RMB thousands?"))
    ),
    "campaigns.flop": Range(1e20, 1e29, "FLOP", ((1e-21, "in ZFLOP rather than FLOP"),)),
    "campaigns.late_penalty_rmb_per_zflop": Range(0, 1e8, "RMB per ZFLOP"),
    "exchange_rates.per_usd": Range(0.1, 50_000, "currency units per USD"),
    # policy.yaml: shares, whose schema limits (0 to 1) are their plausible range
    "policy.state_share": Range(0, 1, "a share"),
    "policy.min_domestic_share_china": Range(0, 1, "a share"),
    "policy.max_foreign_vendor_share": Range(0, 1, "a share"),
}


def _hint(value: float, r: Range) -> str:
    """The slip whose factor brings ``value`` nearest the range, or how far off it is."""
    if value == 0 or not math.isfinite(value):
        return ""
    mid = math.sqrt(max(r.lo, 1e-300) * r.hi) if r.lo > 0 else r.hi / 10
    best = ""
    best_gap = math.inf
    for factor, text in r.slips:
        back = value / factor
        if r.lo <= back <= r.hi:
            gap = abs(math.log10(back / mid)) if back > 0 else math.inf
            if gap < best_gap:
                best, best_gap = text, gap
    if best:
        return f"; likely {best}"
    return f"; about 1e{round(math.log10(abs(value) / mid)):+d} times a typical value"


def _message(value: float, r: Range, shown: float | None = None) -> str:
    size = f"{value:,.6g}" + ("" if shown is None else f" ({shown:,.6g} {r.unit})")
    return (
        f"{size} is outside the plausible range {r.lo:,.6g} to {r.hi:,.6g} {r.unit}"
        f"{_hint(shown if shown is not None else value, r)} (a warning; --strict makes it an "
        "error)"
    )


def _model_values(model: ModelFile) -> Iterator[tuple[str, str, float]]:
    """(range key, key path, value) of every numeric model-file setting."""
    data = model.model_dump()
    for section in ("budget", "horizon", "finance", "objective", "solver"):
        for key, value in (data.get(section) or {}).items():
            if isinstance(value, dict):
                for sub, v in value.items():
                    if isinstance(v, int | float) and not isinstance(v, bool):
                        yield f"{section}.{key}", f"{section}.{key}.{sub}", float(v)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                yield f"{section}.{key}", f"{section}.{key}", float(value)


def _usd_rate(tables: dict[str, pd.DataFrame], periods: list[str]) -> dict[str, float]:
    rates = tables["exchange_rates"]
    first = rates[rates["period"] == periods[0]] if periods else rates
    return dict(zip(first["currency"], first["per_usd"].astype(float), strict=True))


def check(
    model: ModelFile, tables: dict[str, pd.DataFrame], names: dict[str, str]
) -> list[Problem]:
    """Warnings for every model setting and table column outside its plausible range."""
    out: list[Problem] = []
    for key, path, value in _model_values(model):
        r = RANGES.get(key)
        if r is not None and not r.lo <= value <= r.hi:
            out.append(Problem(names["model"], path, _message(value, r)))
    usd = _usd_rate(tables, list(model.horizon.periods))
    for key, r in RANGES.items():
        table, _, column = key.partition(".")
        if table not in tables or column not in tables[table].columns:
            continue
        out += _column(table, column, r, tables[table], names.get(table, table), usd)
    return out


def _column(
    table: str, column: str, r: Range, frame: pd.DataFrame, file: str, usd: dict[str, float]
) -> list[Problem]:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
    shown = values.copy()
    if r.usd and "currency" in frame.columns:
        shown = values / frame["currency"].map(usd).astype(float).fillna(1.0).to_numpy()
    bad = [i for i, v in enumerate(shown) if math.isfinite(v) and not r.lo <= v <= r.hi]
    if not bad:
        return []
    i = bad[0]
    lines: list[Any] = list(frame.attrs.get("lines") or range(2, len(frame) + 2))
    ident = ", ".join(f"{k}={frame.iloc[i][k]}" for k in TABLE_KEYS[table])
    more = f"; and {len(bad) - 1} more row(s) of this column" if len(bad) > 1 else ""
    where = f"row {lines[i]} ({ident}), column {column}"
    message = _message(values[i], r, shown[i] if r.usd else None) + more
    return [Problem(file, where, message)]


def doc() -> str:
    """The "Plausible ranges" section of docs/inputs.md, from :data:`RANGES`."""
    lines = [
        "## Plausible ranges",
        "",
        "A value inside the schema's limits but outside its plausible range is a warning",
        "(`capplan validate` and `capplan solve` print it on stderr) naming the file, the key",
        "or row and column, and the likely unit slip; `--strict` makes warnings errors (exit",
        "code 2). A region's money is compared in USD at its first period's exchange rate.",
        "",
        "| field | plausible range | unit | likely slips checked |",
        "|---|---|---|---|",
    ]
    for key, r in RANGES.items():
        slips = "; ".join(f"x {f:g}: {t}" for f, t in r.slips) or "-"
        lines.append(f"| `{key}` | {r.lo:,.6g} to {r.hi:,.6g} | {r.unit} | {slips} |")
    return "\n".join(lines)
