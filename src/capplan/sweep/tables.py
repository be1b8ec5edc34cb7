"""The sweep folder's tables, made from the recorded samples (never from a live solve).

- ``samples.csv``: one row per sample in sample order: the values drawn (``in_<name>``),
  status, objective, bound, gap, reason and the KPIs; nothing that depends on timing or
  on which worker ran it, so the same sweep gives the same bytes anywhere.
- ``sample_periods.csv``: capex and installed fleet per sample and period.
- ``timings.csv``: attempts and seconds per sample (these vary from run to run).
- ``npv_distribution.csv``: a histogram of the NPV of the samples with a plan.
- ``tornado.csv`` (one_at_a_time): NPV at each parameter's low and high value.
- ``fan_capex.csv``, ``fan_fleet.csv``: P10, P50, P90 and mean per period.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from capplan.config.sweeps import Sample, SweepFile

NPV = "npv_rmb_m"
BINS = 20
QUANTILES = {"p05": 0.05, "p10": 0.10, "p50": 0.50, "p90": 0.90, "p95": 0.95}


def samples_table(
    spec: SweepFile, samples: list[Sample], rows: list[dict[str, Any]]
) -> pd.DataFrame:
    """samples.csv (see the module docstring)."""
    by_id = {r["sample"]: r for r in rows}
    kpi_names: list[str] = []
    for r in rows:
        for k in r.get("kpis") or {}:
            if k not in kpi_names:
                kpi_names.append(k)
    out = []
    for s in samples:
        r = by_id[s.index]
        rec: dict[str, Any] = {"sample": s.index}
        if spec.method == "one_at_a_time":
            rec.update(parameter=s.moved, end=s.end)
        for p in spec.parameters:
            value = s.values.get(p.name, "")
            rec[f"in_{p.name}"] = "" if value is None else value
        rec.update(
            status=r.get("status"),
            objective_rmb_m=r.get("objective"),
            bound_rmb_m=r.get("bound"),
            gap=r.get("gap"),
            reason=(r.get("reason") or "").replace("\n", " "),
        )
        kpis = r.get("kpis") or {}
        for k in kpi_names:
            rec[k] = kpis.get(k)
        free = r.get("free")
        if free is not None:
            rec["free_objective_rmb_m"] = free.get("objective")
            fnpv = (free.get("kpis") or {}).get(NPV)
            rec["free_npv_rmb_m"] = fnpv
            npv = kpis.get(NPV)
            rec["regret_rmb_m"] = None if fnpv is None or npv is None else fnpv - npv
        out.append(rec)
    return pd.DataFrame(out)


def timings_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [{k: r.get(k) for k in ("sample", "attempts", "seconds", "solve_s")} for r in rows]
    )
    return frame.sort_values("sample").reset_index(drop=True)


def npv_values(table: pd.DataFrame, column: str = NPV) -> np.ndarray:
    """The NPVs of the samples that have a plan, in sample order."""
    ok = table["status"].isin(["optimal", "feasible"])
    return table.loc[ok, column].astype(float).to_numpy()


def npv_distribution(values: np.ndarray) -> pd.DataFrame:
    """A histogram of ``values``: bin edges, count, share and cumulative share."""
    cols = ["bin", "low_rmb_m", "high_rmb_m", "count", "share", "cumulative_share"]
    if values.size == 0:
        return pd.DataFrame(columns=cols)
    lo, hi = float(values.min()), float(values.max())
    flat = hi - lo < 1e-9
    edges = np.array([lo - 0.5, hi + 0.5]) if flat else np.linspace(lo, hi, BINS + 1)
    counts, _ = np.histogram(values, bins=edges)
    share = counts / values.size
    return pd.DataFrame(
        {
            "bin": np.arange(len(counts)),
            "low_rmb_m": edges[:-1],
            "high_rmb_m": edges[1:],
            "count": counts,
            "share": share,
            "cumulative_share": np.cumsum(share),
        },
        columns=cols,
    )


def cvar(values: np.ndarray, alpha: float) -> float | None:
    """Mean of the worst ``alpha`` share of outcomes (lowest NPVs): CVaR at level alpha."""
    if values.size == 0:
        return None
    k = max(1, math.ceil(alpha * values.size))
    return float(np.sort(values)[:k].mean())


def stats(values: np.ndarray) -> dict[str, float | None]:
    """Mean, sd, quantiles and CVaR(10%) with a 95% confidence interval of the mean."""
    if values.size == 0:
        return {"count": 0}
    n = values.size
    sd = float(values.std(ddof=1)) if n > 1 else 0.0
    half = 1.96 * sd / math.sqrt(n)
    out: dict[str, float | None] = {"count": n, "mean": float(values.mean()), "sd": sd}
    out.update(mean_ci_low=out["mean"] - half, mean_ci_high=out["mean"] + half)  # type: ignore[operator]
    out.update({k: float(np.quantile(values, q)) for k, q in QUANTILES.items()})
    out["cvar_10"] = cvar(values, 0.10)
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in out.items()}


def tornado(spec: SweepFile, table: pd.DataFrame) -> pd.DataFrame:
    """NPV at each parameter's low and high end, widest swing first."""
    npv = table.set_index("sample")[NPV] if NPV in table else pd.Series(dtype=float)
    base = npv.get(0)
    rows = []
    for i, p in enumerate(spec.parameters):
        low, high = npv.get(2 * i + 1), npv.get(2 * i + 2)
        swing = (
            None
            if low is None or high is None or pd.isna(low) or pd.isna(high)
            else abs(high - low)
        )
        rows.append(
            {
                "parameter": p.name,
                "low": p.low,
                "high": p.high,
                "npv_base_rmb_m": base,
                "npv_low_rmb_m": low,
                "npv_high_rmb_m": high,
                "swing_rmb_m": swing,
            }
        )
    frame = pd.DataFrame(rows)
    frame["_s"] = frame["swing_rmb_m"].fillna(-1.0)
    return (
        frame.sort_values(["_s", "parameter"], ascending=[False, True])
        .drop(columns="_s")
        .reset_index(drop=True)
    )


def fan(periods: pd.DataFrame, ok: set[int], column: str, order: list[str]) -> pd.DataFrame:
    """P10, P50, P90 and mean of ``column`` per period over the samples in ``ok``."""
    data = periods[periods["sample"].isin(ok)]
    out = []
    for period in order:
        v = data.loc[data["period"] == period, column].astype(float).to_numpy()
        if v.size == 0:
            continue
        out.append(
            {
                "period": period,
                "p10": float(np.quantile(v, 0.1)),
                "p50": float(np.quantile(v, 0.5)),
                "p90": float(np.quantile(v, 0.9)),
                "mean": float(v.mean()),
            }
        )
    return pd.DataFrame(out, columns=["period", "p10", "p50", "p90", "mean"])
