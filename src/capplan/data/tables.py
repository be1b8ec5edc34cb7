"""Validated config -> pandas tables with named indexes and the derived parameters.

Units here are the model's units: money in RMB million, compute in ZFLOP (1e21 FLOP),
power in MW of IT load, time in periods.  The model never reads files or YAML.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from capplan.config.checks import ALL, split_list
from capplan.config.loader import Config
from capplan.config.schema import Finance, Objective

SECONDS_PER_YEAR = 8760 * 3600
HOURS_PER_YEAR = 8760
ZFLOP = 1e21


@dataclass(frozen=True)
class Tables:
    """Everything the model builder needs, as tables indexed by the model's sets.

    Sets (pd.Index, named): ``periods`` (period), ``regions`` (region), ``parts`` (part),
    ``segments`` (segment: a zone's demand, split into commercial and state work),
    ``campaigns`` (campaign), ``markets`` (market), ``vendors`` (vendor).
    """

    name: str
    periods: pd.Index
    period_years: float
    regions: pd.DataFrame  # index region
    parts: pd.DataFrame  # index part
    supply: pd.DataFrame  # index (part, market, period): units, price_premium
    eligible: pd.DataFrame  # index (region, part): allowed (bool)
    segments: pd.DataFrame  # index segment: zone, domestic_only
    demand: pd.DataFrame  # index (segment, period): demand_zflop, revenue_rmb_per_zflop
    campaigns: pd.DataFrame  # index campaign: zflop, earliest, deadline (period positions), penalty
    campaign_options: pd.DataFrame  # index (campaign, region, part): allowed pairs
    rmb_per_unit: pd.DataFrame  # index currency, columns periods: RMB per unit of currency
    budget_total_m: float
    budget_period_m: pd.Series  # index period, RMB million (inf where no cap)
    finance: Finance
    objective: Objective
    min_domestic_share_china: float | None
    max_foreign_vendor_share: float | None

    @property
    def markets(self) -> pd.Index:
        return pd.Index(["china", "overseas"], name="market")

    @property
    def vendors(self) -> pd.Index:
        return pd.Index(sorted(self.parts["vendor"].unique()), name="vendor")

    @property
    def zones(self) -> pd.Index:
        return pd.Index(list(dict.fromkeys(self.regions["zone"])), name="zone")

    @property
    def hours_per_period(self) -> float:
        return HOURS_PER_YEAR * self.period_years

    def online_offset(self) -> pd.Series:
        """Periods from a build decision to power-on: ceil(lead months / period months)."""
        months = 12.0 * self.period_years
        return np.ceil(self.regions["lead_time_months"] / months - 1e-9).astype(int)

    def discount(self, at: str = "start") -> pd.Series:
        """Discount factor per period: cash at the period's start, middle or end."""
        shift = {"start": 0.0, "mid": 0.5, "end": 1.0}[at]
        years = (np.arange(len(self.periods)) + shift) * self.period_years
        return pd.Series((1 + self.finance.wacc) ** -years, index=self.periods)

    @property
    def horizon_discount(self) -> float:
        return float((1 + self.finance.wacc) ** -(len(self.periods) * self.period_years))

    def peak_zflop_per_unit(self) -> pd.Series:
        """Peak dense compute of one unit over one period, ZFLOP."""
        seconds = SECONDS_PER_YEAR * self.period_years
        return self.parts["tflops"] * 1e12 * seconds / ZFLOP

    def unit_price_usd(self) -> pd.Series:
        """Price of one unit with its server, host and network share, USD."""
        return self.parts["price_usd"] * (1 + self.finance.server_uplift)


def build_tables(config: Config) -> Tables:
    """Derive the model's tables from a validated Config."""
    m = config.model
    t = config.tables
    periods = pd.Index(list(m.horizon.periods), name="period")
    regions = t["regions"].set_index("region")
    parts = t["parts"].set_index("part")
    supply = t["supply"].set_index(["part", "market", "period"]).sort_index()
    eligible = t["eligibility"].set_index(["region", "part"]).sort_index()

    segments, demand = _segments(t["demand"], config.policy.state_share, periods)
    campaigns, options = _campaigns(t["campaigns"], regions.index, parts.index, periods, eligible)

    fx = t["exchange_rates"].pivot(index="currency", columns="period", values="per_usd")
    fx = fx[list(periods)]
    rmb_per_unit = fx.loc["CNY"] / fx  # RMB per unit of each currency, per period
    rmb_per_unit.columns.name = "period"

    per = m.budget.per_period_rmb_bn
    budget_period = pd.Series(
        [per[p] * 1e3 if per is not None else math.inf for p in periods],
        index=periods,
        name="budget_rmb_m",
    )
    return Tables(
        name=m.name,
        periods=periods,
        period_years=m.horizon.period_years,
        regions=regions,
        parts=parts,
        supply=supply,
        eligible=eligible,
        segments=segments,
        demand=demand,
        campaigns=campaigns,
        campaign_options=options,
        rmb_per_unit=rmb_per_unit,
        budget_total_m=m.budget.total_rmb_bn * 1e3,
        budget_period_m=budget_period,
        finance=m.finance,
        objective=m.objective,
        min_domestic_share_china=config.policy.min_domestic_share_china,
        max_foreign_vendor_share=config.policy.max_foreign_vendor_share,
    )


def _segments(
    demand: pd.DataFrame, state_share: dict[str, float], periods: pd.Index
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split each zone's demand into commercial work and state work (domestic parts only)."""
    zones = list(dict.fromkeys(demand["zone"]))
    rows = []
    for zone in zones:
        share = state_share.get(zone, 0.0)
        if share < 1.0:
            rows.append((f"{zone}/commercial", zone, False, 1.0 - share))
        if share > 0.0:
            rows.append((f"{zone}/state", zone, True, share))
    segments = pd.DataFrame(rows, columns=["segment", "zone", "domestic_only", "share"])
    segments = segments.set_index("segment")
    merged = segments.reset_index().merge(demand, on="zone")
    merged["demand_zflop"] = merged["demand_zflop"] * merged["share"]
    order = {"segment": list(segments.index), "period": list(periods)}
    merged = merged.sort_values(
        ["segment", "period"], key=lambda col: col.map(order[str(col.name)].index)
    )
    out = merged.set_index(["segment", "period"])[["demand_zflop", "revenue_rmb_per_zflop"]]
    return segments, out


def _campaigns(
    frame: pd.DataFrame,
    regions: pd.Index,
    parts: pd.Index,
    periods: pd.Index,
    eligible: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    pos = {p: i for i, p in enumerate(periods)}
    camp = pd.DataFrame(
        {
            "zflop": frame["flop"].to_numpy() / ZFLOP,
            "earliest": [0 if pd.isna(e) else pos[e] for e in frame["earliest"]],
            "deadline": [pos[d] for d in frame["deadline"]],
            "late_penalty_rmb_per_zflop": pd.to_numeric(
                frame["late_penalty_rmb_per_zflop"]
            ).to_numpy(dtype=float),
        },
        index=pd.Index(frame["campaign"], name="campaign"),
    ).astype(
        {
            "zflop": float,
            "earliest": np.int64,
            "deadline": np.int64,
            "late_penalty_rmb_per_zflop": float,
        }
    )
    rows = []
    for _, row in frame.iterrows():
        regs = list(regions) if ALL in split_list(row["regions"]) else split_list(row["regions"])
        prts = list(parts) if ALL in split_list(row["parts"]) else split_list(row["parts"])
        rows += [(row["campaign"], r, p) for r in regs for p in prts]
    options = pd.DataFrame(rows, columns=["campaign", "region", "part"])
    allowed = eligible["allowed"]
    keep = allowed.reindex(pd.MultiIndex.from_frame(options[["region", "part"]])).to_numpy()
    options = options[keep.astype(bool)].set_index(["campaign", "region", "part"])
    return camp, options
