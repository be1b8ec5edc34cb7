"""The model's parameters as numpy arrays aligned with the set codes.

Shapes use the set order of :class:`capplan.data.tables.Tables`: R regions, P parts,
T periods, G demand segments, K campaigns, V vendors.  Money is RMB million.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from capplan.data.tables import Tables


@dataclass(frozen=True)
class Params:
    sets: dict[str, pd.Index]
    # regions (R,)
    module_mw: np.ndarray
    existing_mw: np.ndarray
    offset: np.ndarray  # periods from build decision to power-on
    build_cap: np.ndarray  # modules per period (inf: none)
    mw_total: np.ndarray  # MW over the horizon (inf: none)
    needs_entry: np.ndarray  # bool
    min_first_mw: np.ndarray
    china: np.ndarray  # bool: region in the china market
    market: np.ndarray  # market code of each region
    zone: np.ndarray  # zone code of each region
    pue: np.ndarray
    gco2: np.ndarray
    # parts (P,)
    pod: np.ndarray
    pod_mw: np.ndarray  # MW of IT load of one pod
    pod_pflops: np.ndarray  # peak PFLOPS of one pod
    pod_peak_zflop: np.ndarray  # peak ZFLOP of one pod in one period
    util_inf: np.ndarray
    util_tr: np.ndarray
    domestic: np.ndarray
    vendor: np.ndarray
    foreign_vendor: np.ndarray  # (V,) bool
    # grids
    eligible: np.ndarray  # (R, P)
    active: np.ndarray  # (P, T, T): pod bought in tau is installed in t
    pod_cap: np.ndarray  # (R, P, T) pods obtainable (market supply / pod size)
    supply_units: np.ndarray  # (P, M, T)
    pod_capex: np.ndarray  # (R, P, T) RMB M per pod
    module_capex: np.ndarray  # (R, T) RMB M per module
    entry_capex: np.ndarray  # (R, T) RMB M
    power_rmb_per_mwh: np.ndarray  # (R, T) incl. carbon price
    rmb_per_unit_region: np.ndarray  # (R, T)
    seg_zone: np.ndarray  # (G,) zone code
    seg_domestic_only: np.ndarray  # (G,)
    demand: np.ndarray  # (G, T) ZFLOP
    revenue: np.ndarray  # (G, T) RMB M per ZFLOP
    camp_zflop: np.ndarray  # (K,)
    camp_window: np.ndarray  # (K, T) bool
    camp_penalty: np.ndarray  # (K,) RMB M per ZFLOP, nan = required
    camp_option: np.ndarray  # (K, R, P) bool
    budget_period: np.ndarray  # (T,)
    budget_total: float
    disc_start: np.ndarray  # (T,)
    disc_mid: np.ndarray  # (T,)
    disc_end: float
    period_years: float
    hours: float


def _codes(index: pd.Index, values: pd.Series | pd.Index | list[str]) -> np.ndarray:
    out = index.get_indexer(pd.Index(values))
    if (out < 0).any():  # guarded by config checks; a failure here is a bug
        raise ValueError(f"unknown labels for {index.name}")
    return out.astype(np.int64)


def _level_codes(index: pd.Index, axes: list[pd.Index]) -> list[np.ndarray]:
    """Position of each row's label in ``axes[level]``, per level of a (Multi)Index; -1 if
    the label is not there.  Maps the levels' few distinct labels, not every row."""
    if not isinstance(index, pd.MultiIndex):
        return [axes[0].get_indexer(index)]
    out = []
    for level, axis in enumerate(axes):
        mapping = axis.get_indexer(index.levels[level])
        codes = np.asarray(index.codes[level])
        out.append(np.where(codes >= 0, mapping[codes], -1))
    return out


def _grid(column: pd.Series, axes: list[pd.Index]) -> np.ndarray:
    """A column on a (Multi)Index as a float array over ``axes``, one axis per level.

    Cells without a row are NaN, as ``unstack(...).reindex(...)`` gives them; rows whose
    labels are not in the axes are left out.
    """
    codes = _level_codes(column.index, axes)
    ok = np.logical_and.reduce([c >= 0 for c in codes])
    out = np.full(tuple(len(a) for a in axes), np.nan)
    out[tuple(c[ok] for c in codes)] = column.to_numpy(dtype=float)[ok]
    return out


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A shallow copy without ``attrs``: pandas deep-copies attrs on every operation."""
    return pd.DataFrame(frame, copy=False)  # shares the data; attrs are not carried over


def make_params(t: Tables) -> Params:
    t = dataclasses.replace(
        t,
        **{  # type: ignore[arg-type]
            name: _plain(getattr(t, name))
            for name in (
                "regions",
                "parts",
                "supply",
                "eligible",
                "segments",
                "demand",
                "campaigns",
            )
        },
    )
    regions, parts, periods = t.regions.index, t.parts.index, t.periods
    segs, camps, markets = t.segments.index, t.campaigns.index, t.markets
    vendors, zones = t.vendors, t.zones
    sets = {
        "region": regions,
        "part": parts,
        "period": periods,
        "segment": segs,
        "campaign": camps,
        "market": markets,
        "vendor": vendors,
        "zone": zones,
    }
    R, P, T = len(regions), len(parts), len(periods)
    reg, prt = t.regions, t.parts
    years = t.period_years
    fx_region = t.rmb_per_unit.loc[reg["currency"]].to_numpy()  # (R, T)
    usd = t.rmb_per_unit.loc["USD"].to_numpy()  # (T,)

    module_mw = reg["module_mw"].to_numpy(float)
    per = reg["max_new_mw_per_period"].astype(float).to_numpy()
    build_cap = np.where(np.isnan(per), np.inf, np.floor(per / module_mw + 1e-9))
    tot = reg["max_new_mw_total"].astype(float).to_numpy()
    mw_total = np.where(np.isnan(tot), np.inf, tot)
    existing = reg["existing_mw"].to_numpy(float)
    min_first = reg["min_first_build_mw"].to_numpy(float)
    entry_cost = reg["entry_cost_m"].to_numpy(float)
    needs_entry = (existing <= 0) & ((entry_cost > 0) | (min_first > 0))

    pod = prt["pod_size"].to_numpy(float)
    life_periods = prt["life_years"].to_numpy(float) / years
    age = np.arange(T)[None, :] - np.arange(T)[:, None]  # age[tau, t] = t - tau
    # installed for the whole periods that fit in its life (at least the period bought in)
    whole = np.maximum(np.floor(life_periods + 1e-9), 1.0)
    active = (age[None, :, :] >= 0) & (age[None, :, :] < whole[:, None, None])

    market = _codes(markets, reg["market"])
    supply_units = _grid(t.supply["units"], [parts, markets, periods])  # (P, M, T)
    premium = _grid(t.supply["price_premium"], [parts, markets, periods])
    pod_cap = np.floor(supply_units[:, market, :] / pod[:, None, None] + 1e-9)  # (P, R, T)
    pod_cap = pod_cap.transpose(1, 0, 2)

    eligible = _grid(t.eligible["allowed"], [regions, parts]).astype(bool)
    unit_usd = t.unit_price_usd().to_numpy()
    pod_capex = (
        (pod * unit_usd)[None, :, None]
        * (1 + premium[:, market, :].transpose(1, 0, 2))
        * usd[None, None, :]
        / 1e6
    )
    module_capex = (module_mw * reg["capex_per_mw_m"].to_numpy(float))[:, None] * fx_region
    entry_capex = entry_cost[:, None] * fx_region
    carbon_rmb_per_mwh = (
        reg["grid_gco2_per_kwh"].to_numpy(float) / 1000 * (t.finance.carbon_price_rmb_per_t)
    )
    power = reg["power_price_per_mwh"].to_numpy(float)[:, None] * fx_region
    power = power + carbon_rmb_per_mwh[:, None]

    seg_zone = _codes(zones, t.segments["zone"])
    dem = _grid(t.demand["demand_zflop"], [segs, periods])
    rev = _grid(t.demand["revenue_rmb_per_zflop"], [segs, periods])

    camp = t.campaigns
    window = (np.arange(T)[None, :] >= camp["earliest"].to_numpy()[:, None]) & (
        np.arange(T)[None, :] <= camp["deadline"].to_numpy()[:, None]
    )
    option = np.zeros((len(camps), R, P), dtype=bool)
    if len(t.campaign_options):
        codes = _level_codes(t.campaign_options.index, [camps, regions, parts])
        if any((c < 0).any() for c in codes):  # guarded by config checks
            raise ValueError("unknown labels in the campaign options")
        option[tuple(codes)] = True
    vendor_codes = _codes(vendors, prt["vendor"])
    domestic = prt["domestic"].to_numpy(bool)
    foreign_vendor = np.zeros(len(vendors), dtype=bool)
    foreign_vendor[vendor_codes[~domestic]] = True

    offset = t.online_offset().to_numpy()
    return Params(
        sets=sets,
        module_mw=module_mw,
        existing_mw=existing,
        offset=offset,
        build_cap=build_cap,
        mw_total=mw_total,
        needs_entry=needs_entry,
        min_first_mw=min_first,
        china=(reg["market"] == "china").to_numpy(),
        market=market,
        zone=_codes(zones, reg["zone"]),
        pue=reg["pue"].to_numpy(float),
        gco2=reg["grid_gco2_per_kwh"].to_numpy(float),
        pod=pod,
        pod_mw=pod * prt["watts"].to_numpy(float) / 1e6,
        pod_pflops=pod * prt["tflops"].to_numpy(float) / 1e3,
        pod_peak_zflop=pod * t.peak_zflop_per_unit().to_numpy(),
        util_inf=prt["util_inference"].to_numpy(float),
        util_tr=prt["util_training"].to_numpy(float),
        domestic=domestic,
        vendor=vendor_codes,
        foreign_vendor=foreign_vendor,
        eligible=eligible,
        active=active,
        pod_cap=pod_cap,
        supply_units=supply_units,
        pod_capex=pod_capex,
        module_capex=module_capex,
        entry_capex=entry_capex,
        power_rmb_per_mwh=power,
        rmb_per_unit_region=fx_region,
        seg_zone=seg_zone,
        seg_domestic_only=t.segments["domestic_only"].to_numpy(bool),
        demand=dem,
        revenue=rev / 1e6,
        camp_zflop=camp["zflop"].to_numpy(float),
        camp_window=window,
        camp_penalty=camp["late_penalty_rmb_per_zflop"].to_numpy(float) / 1e6,
        camp_option=option,
        budget_period=t.budget_period_m.to_numpy(float),
        budget_total=t.budget_total_m,
        disc_start=t.discount("start").to_numpy(),
        disc_mid=t.discount("mid").to_numpy(),
        disc_end=t.horizon_discount,
        period_years=years,
        hours=t.hours_per_period,
    )


def finite_or(value: float, default: float) -> float:
    return value if math.isfinite(value) else default
