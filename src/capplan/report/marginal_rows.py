"""Which marginal values a report shows: nonzero ones of limits that exist in the plan."""

from __future__ import annotations

import math

import pandas as pd

from capplan.report.rundata import RunData

HOW_TO_READ = (
    "How to read them: a marginal value is what one more unit of that limit (a unit of "
    "supply, a MW of power, an RMB of budget, a ZFLOP of demand) would add to the NPV, in "
    "the unit shown, with the region-entry choices of the plan fixed. A limit that does "
    "not bind is worth nothing and is not listed; nor are limits that do not exist in this plan "
    "(power or new MW in a region with no MW online, a supply of zero units)."
)


def shown_marginal(run: RunData) -> list[int]:
    """Rows of marginal_values.csv worth showing: nonzero, of a limit that exists here."""
    mv = run.tables["marginal_values"]
    values = pd.to_numeric(mv["marginal_value"], errors="coerce").to_numpy(float)
    limits = pd.to_numeric(mv["limit"], errors="coerce").to_numpy(float)
    cap = run.tables["capacity"]
    online = cap[cap["mw_online"] > 0]
    periods = set(zip(online["region"], online["period"], strict=True))
    regions = set(online["region"])
    keep = []
    for k in range(len(mv)):
        value, limit = values[k], limits[k]
        if math.isnan(value) or value == 0.0 or limit == 0.0:
            continue
        region = str(mv.at[k, "region"] or "")
        period = str(mv.at[k, "period"] or "")
        if region and period and (region, period) not in periods:
            continue
        if region and not period and region not in regions:
            continue
        keep.append(k)
    return keep
