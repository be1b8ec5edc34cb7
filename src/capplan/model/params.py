"""The model's parameters as numpy arrays over named sets, aligned with the set codes.

Each array declares its dimensions by set name in :data:`DIMS` (checked against the set
sizes when made); the sets are ``p.sets`` (region, part, period, segment, campaign,
market, vendor, zone), in the order of :class:`capplan.data.tables.Tables`.  Money is RMB
million.  Nothing after :func:`make_params` reads the tables: the variables, rows,
objective and results take everything from here.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from capplan.data.tables import Tables

R, P, T, G, K, M, V, Z = (
    "region",
    "part",
    "period",
    "segment",
    "campaign",
    "market",
    "vendor",
    "zone",
)

#: The dimensions of every array of :class:`Params`, by set name (``()``: a scalar).
DIMS: dict[str, tuple[str, ...]] = {
    # regions
    "module_mw": (R,),
    "existing_mw": (R,),
    "offset": (R,),  # periods from build decision to power-on
    "build_cap": (R,),  # modules per period (inf: none)
    "mw_total": (R,),  # MW over the horizon (inf: none)
    "needs_entry": (R,),  # bool
    "min_first_mw": (R,),
    "china": (R,),  # bool: region in the china market
    "market": (R,),  # market code of each region
    "zone": (R,),  # zone code of each region
    "pue": (R,),
    "gco2": (R,),
    # parts
    "pod": (P,),  # units per pod
    "pod_mw": (P,),  # MW of IT load of one pod
    "pod_pflops": (P,),  # peak PFLOPS of one pod
    "pod_peak_zflop": (P,),  # peak ZFLOP of one pod in one period
    "util_inf": (P,),
    "util_tr": (P,),
    "domestic": (P,),  # bool
    "vendor": (P,),  # vendor code of each part
    "life_years": (P,),
    "foreign_vendor": (V,),  # bool
    # grids
    "eligible": (R, P),  # bool
    "active": (P, T, T),  # bool: a pod bought in tau (axis 1) is installed in t (axis 2)
    "pod_cap": (R, P, T),  # pods obtainable (market supply / pod size)
    "supply_units": (P, M, T),
    "pod_capex": (R, P, T),  # RMB M per pod
    "module_capex": (R, T),  # RMB M per module
    "entry_capex": (R, T),  # RMB M
    "power_rmb_per_mwh": (R, T),  # incl. carbon price
    "rmb_per_unit_region": (R, T),
    "seg_zone": (G,),  # zone code
    "seg_domestic_only": (G,),  # bool
    "demand": (G, T),  # ZFLOP
    "revenue": (G, T),  # RMB M per ZFLOP
    "camp_zflop": (K,),
    "camp_earliest": (K,),  # period code
    "camp_deadline": (K,),  # period code
    "camp_window": (K, T),  # bool
    "camp_penalty": (K,),  # RMB M per ZFLOP, nan = required
    "camp_option": (K, R, P),  # bool
    "budget_period": (T,),  # RMB M (inf: no cap)
    "disc_start": (T,),
    "disc_mid": (T,),
}


@dataclass(frozen=True)
class Params:
    """Every number the model reads, as arrays over named sets (see :data:`DIMS`).

    ``p.dims["pod_capex"] == ("region", "part", "period")``; ``p.select("pod_capex",
    region="CN")`` picks by label.  Scalars (budget, finance, policy) have no dims.
    """

    sets: dict[str, pd.Index]
    module_mw: np.ndarray
    existing_mw: np.ndarray
    offset: np.ndarray
    build_cap: np.ndarray
    mw_total: np.ndarray
    needs_entry: np.ndarray
    min_first_mw: np.ndarray
    china: np.ndarray
    market: np.ndarray
    zone: np.ndarray
    pue: np.ndarray
    gco2: np.ndarray
    pod: np.ndarray
    pod_mw: np.ndarray
    pod_pflops: np.ndarray
    pod_peak_zflop: np.ndarray
    util_inf: np.ndarray
    util_tr: np.ndarray
    domestic: np.ndarray
    vendor: np.ndarray
    life_years: np.ndarray
    foreign_vendor: np.ndarray
    eligible: np.ndarray
    active: np.ndarray
    pod_cap: np.ndarray
    supply_units: np.ndarray
    pod_capex: np.ndarray
    module_capex: np.ndarray
    entry_capex: np.ndarray
    power_rmb_per_mwh: np.ndarray
    rmb_per_unit_region: np.ndarray
    seg_zone: np.ndarray
    seg_domestic_only: np.ndarray
    demand: np.ndarray
    revenue: np.ndarray
    camp_zflop: np.ndarray
    camp_earliest: np.ndarray
    camp_deadline: np.ndarray
    camp_window: np.ndarray
    camp_penalty: np.ndarray
    camp_option: np.ndarray
    budget_period: np.ndarray
    disc_start: np.ndarray
    disc_mid: np.ndarray
    # scalars
    name: str  # the model's name
    budget_total: float  # RMB M
    disc_end: float
    period_years: float
    hours: float
    maintenance_hardware: float  # share of hardware capex per year
    maintenance_shell: float  # share of data-centre capex per year
    shell_life_years: float
    wacc: float  # cost of capital per year
    residual_value: str  # finance.residual_value: straight_line, none or earnings
    objective_kind: str  # max_npv or min_cost
    unserved_penalty: float  # RMB M per ZFLOP (min_cost)
    min_domestic_share_china: float | None
    max_foreign_vendor_share: float | None

    def __post_init__(self) -> None:
        for field, dims in DIMS.items():
            shape = tuple(len(self.sets[d]) for d in dims)
            got = getattr(self, field).shape
            if got != shape:  # a bug in make_params, not bad input
                raise ValueError(f"Params.{field} has shape {got}, expected {shape} {dims}")

    @property
    def dims(self) -> dict[str, tuple[str, ...]]:
        return DIMS

    def labels(self, field: str) -> list[pd.Index]:
        """The set labels along each axis of an array."""
        return [self.sets[d] for d in DIMS[field]]

    def select(self, field: str, **labels: str) -> np.ndarray:
        """The part of an array at the given labels, by set name: ``select("pod_capex",
        region="CN", period="FY2026")`` is the (part,) vector; axes not named are kept."""
        dims = DIMS[field]
        unknown = set(labels) - set(dims)
        if unknown:
            raise KeyError(f"{field} has dims {dims}, not {sorted(unknown)}")
        at = tuple(self.sets[d].get_loc(labels[d]) if d in labels else slice(None) for d in dims)
        return np.asarray(getattr(self, field)[at])


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
        life_years=prt["life_years"].to_numpy(float),
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
        camp_earliest=camp["earliest"].to_numpy(np.int64),
        camp_deadline=camp["deadline"].to_numpy(np.int64),
        camp_window=window,
        camp_penalty=camp["late_penalty_rmb_per_zflop"].to_numpy(float) / 1e6,
        camp_option=option,
        budget_period=t.budget_period_m.to_numpy(float),
        disc_start=t.discount("start").to_numpy(),
        disc_mid=t.discount("mid").to_numpy(),
        name=t.name,
        budget_total=t.budget_total_m,
        disc_end=t.horizon_discount,
        period_years=years,
        hours=t.hours_per_period,
        maintenance_hardware=t.finance.maintenance_rate_hardware,
        maintenance_shell=t.finance.maintenance_rate_shell,
        shell_life_years=t.finance.shell_life_years,
        wacc=t.finance.wacc,
        residual_value=t.finance.residual_value,
        objective_kind=t.objective.kind,
        unserved_penalty=t.objective.unserved_penalty_rmb_per_zflop / 1e6,
        min_domestic_share_china=t.min_domestic_share_china,
        max_foreign_vendor_share=t.max_foreign_vendor_share,
    )


def finite_or(value: float, default: float) -> float:
    return value if math.isfinite(value) else default
