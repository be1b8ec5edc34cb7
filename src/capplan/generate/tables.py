"""The generated input tables, one function per table: zones and exchange rates, parts,
regions, supply, eligibility and demand.

Each function draws from the one ``numpy.random.Generator`` it is given;
:func:`capplan.generate.make.generate` calls them in a fixed order, so the same seed gives
the same draws.  The rows hold the numbers exactly as they are written (rounded here), and the
arrays returned beside them are computed from those rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from capplan.generate.spec import Spec
from capplan.generate.text import sig

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]
Rows = list[list[Any]]

SECONDS_PER_YEAR = 8760 * 3600
ZFLOP = 1e21

# Accelerator archetypes after inputs/parts.csv, domestic and foreign alternating:
# (domestic, price_usd, tflops, memory_gb, watts, pod_size, util_inference, util_training)
ARCHETYPES: tuple[tuple[bool, float, float, float, float, int, float, float], ...] = (
    (True, 27500, 790, 128, 1050, 384, 0.30, 0.35),
    (False, 27500, 989, 80, 980, 256, 0.35, 0.40),
    (True, 17000, 288, 64, 497, 256, 0.30, 0.30),
    (False, 32500, 989, 141, 980, 256, 0.45, 0.40),
    (True, 15000, 360, 144, 770, 256, 0.30, 0.30),
    (False, 35000, 2250, 192, 1400, 256, 0.35, 0.40),
    (True, 10000, 120, 96, 560, 256, 0.30, 0.30),
    (False, 13500, 148, 96, 560, 256, 0.90, 0.40),
)
DOMESTIC_VENDORS = ("Huaxin", "Kunpeng", "Longxi")
FOREIGN_VENDORS = ("Nvidia", "AMD")
# overseas currencies and their units per USD (zone 0 is always CN, in CNY)
CURRENCIES: tuple[tuple[str, float], ...] = (
    ("USD", 1.0),
    ("EUR", 0.9),
    ("BRL", 5.655),
    ("MXN", 19.5),
    ("MYR", 4.33),
    ("THB", 33.3),
    ("IDR", 16300.0),
    ("INR", 85.0),
    ("JPY", 150.0),
    ("KRW", 1380.0),
    ("GBP", 0.78),
    ("AUD", 1.52),
)
CNY_PER_USD = 7.215
MARKETS = ("china", "overseas")


@dataclass(frozen=True)
class Zones:
    """Demand zones (zone 0 is China's, ``CN`` in CNY; the rest overseas) and the exchange
    rates of every currency used, per period."""

    names: list[str]
    currency: list[str]  # per zone
    per_usd_base: dict[str, float]  # units per USD before the per-period wobble
    currencies: list[str]  # sorted, always with CNY and USD
    rates: dict[str, list[float]]  # currency -> units per USD, per period

    def rate_rows(self, periods: list[str]) -> Rows:
        """The rows of ``exchange_rates.csv``."""
        return [
            [c, periods[t], self.rates[c][t]] for c in self.currencies for t in range(len(periods))
        ]


@dataclass(frozen=True)
class Parts:
    """The rows of ``parts.csv`` and, per part, the columns the other tables need."""

    names: list[str]
    rows: Rows
    domestic: BoolArray
    price_usd: FloatArray
    tflops: FloatArray
    watts: FloatArray
    pod_size: FloatArray
    util_tr: FloatArray


@dataclass(frozen=True)
class Regions:
    """The rows of ``regions.csv`` and, per region, its zone, market and existing MW."""

    names: list[str]
    rows: Rows
    zone: IntArray  # region i is in zone i % Z
    china: BoolArray
    market_of: IntArray  # 0 china, 1 overseas (index into MARKETS)
    existing: FloatArray


@dataclass(frozen=True)
class Supply:
    """Units obtainable and price premium per part, market and period, ``(P, 2, T)``."""

    rows: Rows
    units: FloatArray
    premium: FloatArray

    @property
    def has_supply(self) -> BoolArray:
        """Whether a part has any supply in a market, ``(P, 2)``."""
        out: BoolArray = self.units.sum(axis=2) > 0
        return out


def zones(spec: Spec, rng: np.random.Generator) -> Zones:
    """Zones, their currencies, and each currency's rate within 3% of its base, per period
    (USD is always 1)."""
    names = ["CN"] + [f"Z{z:02d}" for z in range(1, spec.zones)]
    zone_currency = ["CNY"] + [
        CURRENCIES[(z - 1) % len(CURRENCIES)][0] for z in range(1, spec.zones)
    ]
    per_usd_base = {"CNY": CNY_PER_USD, **dict(CURRENCIES)}
    currencies = sorted({*zone_currency, "CNY", "USD"})
    rates = {
        c: [
            1.0 if c == "USD" else sig(per_usd_base[c] * (1 + rng.uniform(-0.03, 0.03)))
            for _ in range(spec.periods)
        ]
        for c in currencies
    }
    return Zones(names, zone_currency, per_usd_base, currencies, rates)


def parts(spec: Spec, rng: np.random.Generator) -> Parts:
    """Parts after :data:`ARCHETYPES` in turn, each number within 15% of its archetype's."""
    names = [f"P{i + 1:03d}" for i in range(spec.parts)]
    rows = []
    domestic = np.zeros(spec.parts, dtype=bool)
    for i, name in enumerate(names):
        dom, price, flops, mem, power, pod, u_inf, u_tr = ARCHETYPES[i % len(ARCHETYPES)]
        domestic[i] = dom
        vendors = DOMESTIC_VENDORS if dom else FOREIGN_VENDORS
        f = rng.uniform(0.85, 1.15, size=4)
        rows.append(
            [
                name,
                vendors[int(rng.integers(len(vendors)))],
                dom,
                round(price * f[0], -2),
                round(flops * f[1]),
                mem,
                round(power * f[2]),
                float(rng.choice([4, 5, 6])),
                pod,
                round(min(0.95, u_inf * f[3]), 2),
                u_tr,
            ]
        )

    def column(j: int) -> FloatArray:
        return np.array([r[j] for r in rows], dtype=float)

    return Parts(names, rows, domestic, column(3), column(4), column(6), column(8), column(10))


def regions(spec: Spec, rng: np.random.Generator, zone: Zones) -> Regions:
    """Regions spread over the zones in turn; about a quarter are new (no MW yet, an entry
    cost), region 0 never is; costs are drawn in USD and converted to the zone's currency."""
    names = [f"R{i + 1:03d}" for i in range(spec.regions)]
    region_zone = np.arange(spec.regions) % spec.zones
    china = region_zone == 0
    y = spec.period_years
    rows = []
    existing = np.zeros(spec.regions)
    for i, name in enumerate(names):
        cur = zone.currency[region_zone[i]]
        fx = zone.per_usd_base[cur]
        new_region = i > 0 and rng.random() < 0.25  # region 0 always has capacity
        existing[i] = 0.0 if new_region else float(round(rng.uniform(5, 400)))
        module = float(rng.choice([5, 10, 20]))
        per_period = sig(rng.uniform(30, 600) * y, 3)
        total = "" if rng.random() < 0.6 else float(round(rng.uniform(50, 1000)))
        rows.append(
            [
                name,
                zone.names[region_zone[i]],
                "china" if china[i] else "overseas",
                cur,
                existing[i],
                module,
                sig(rng.uniform(7, 12) * fx),
                float(rng.choice([6, 9, 12, 15, 18, 24, 30])),
                round(rng.uniform(1.1, 1.5), 2),
                sig(rng.uniform(40, 120) * fx),
                float(round(rng.uniform(50, 700))),
                per_period,
                total,
                sig(rng.uniform(50, 500) * fx) if new_region else 0.0,
                float(rng.choice([0, 10, 20])) if new_region else 0.0,
            ]
        )
    return Regions(names, rows, region_zone, china, np.where(china, 0, 1), existing)


def supply(spec: Spec, rng: np.random.Generator, part: Parts, periods: list[str]) -> Supply:
    """Units per period (growing up to 30% a year) and price premium per part and market:
    domestic parts in full in China and often not exported, foreign parts in full overseas
    and often barred from China (part 0 never is)."""
    y = spec.period_years
    T = spec.periods
    units = np.zeros((spec.parts, 2, T))
    premium = np.zeros((spec.parts, 2, T))
    growth = rng.uniform(0.0, 0.3, size=spec.parts)
    domestic = part.domestic
    for i in range(spec.parts):
        yearly = rng.uniform(20_000, 150_000)
        for m in range(2):
            if m == 0:  # china: domestic parts in full, foreign parts often barred
                scale = 1.0 if domestic[i] or i == 0 else (0.0 if rng.random() < 0.6 else 0.5)
            else:  # overseas: foreign parts in full, domestic parts often not exported
                scale = 1.0 if not domestic[i] else (0.0 if rng.random() < 0.5 else 0.3)
            for t in range(T):
                units[i, m, t] = float(round(yearly * scale * y * (1 + growth[i]) ** (t * y)))
            premium[i, m, :] = 0.0 if rng.random() < 0.7 else round(rng.uniform(0.05, 0.2), 2)
    rows = [
        [part.names[i], MARKETS[m], periods[t], units[i, m, t], premium[i, m, t]]
        for i in range(spec.parts)
        for m in range(2)
        for t in range(T)
    ]
    return Supply(rows, units, premium)


def eligibility(
    spec: Spec, rng: np.random.Generator, part: Parts, region: Regions, sup: Supply
) -> tuple[BoolArray, Rows]:
    """Which part may go to which region, ``(R, P)``, and the rows of ``eligibility.csv``:
    mostly where the region's market has supply; every region gets at least one part, and
    every region in China a domestic one (state work needs it)."""
    china, market_of = region.china, region.market_of
    has_supply = sup.has_supply
    allowed = has_supply[:, market_of].T & (rng.random((spec.regions, spec.parts)) < 0.9)
    for r in range(spec.regions):
        if china[r] and part.domestic.any():  # state work needs a domestic part in China
            dom_ok = np.flatnonzero(part.domestic & has_supply[:, 0])
            if not allowed[r, dom_ok].any():
                allowed[r, dom_ok[0]] = True
        if not allowed[r].any():
            ok = np.flatnonzero(has_supply[:, market_of[r]])
            allowed[r, ok[0] if len(ok) else 0] = True
    rows = [
        [part.names[p], region.names[r], bool(allowed[r, p])]
        for p in range(spec.parts)
        for r in range(spec.regions)
    ]
    return allowed, rows


def demand(
    spec: Spec,
    rng: np.random.Generator,
    periods: list[str],
    zone: Zones,
    part: Parts,
    region: Regions,
    sup: Supply,
    allowed: BoolArray,
) -> Rows:
    """The rows of ``demand.csv``: each zone asks for 30-100% of what its share of its
    market's supply could serve (at 35% of peak compute)."""
    zflop_per_unit = part.tflops * 1e12 * SECONDS_PER_YEAR * spec.period_years / ZFLOP
    has_supply = sup.has_supply
    rows = []
    for z, name in enumerate(zone.names):
        in_zone = region.zone == z
        m = 0 if z == 0 else 1
        same_market = (region.market_of == m).sum()
        usable = (allowed[in_zone].any(axis=0)) & has_supply[:, m]
        share = in_zone.sum() / max(1, same_market)
        level = rng.uniform(0.3, 1.0)
        revenue = float(round(rng.uniform(18_000, 26_000), -2))
        for t in range(spec.periods):
            potential = float((sup.units[usable, m, t] * zflop_per_unit[usable] * 0.35).sum())
            rows.append([name, periods[t], sig(level * share * potential), revenue])
    return rows
