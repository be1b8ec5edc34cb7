"""Synthetic model folders of any size from a seed: ``model.yaml`` plus ``inputs/``.

The folder has exactly the layout and table formats of ``models/base.yaml`` with
``inputs/`` (a model file whose ``inputs.dir`` is ``inputs``), so every capplan command
reads it.  The same :class:`Spec` gives byte-identical files: all randomness comes from
one ``numpy.random.default_rng(seed)`` drawn in a fixed order, numbers are rounded to a
few significant digits before they are written, and nothing depends on the clock, the
machine or the output path.

Feasible by construction
========================

Every row of the model is satisfied by the empty plan (nothing built, bought, served or
trained) except the ``campaign`` row of a *required* campaign.  Each required campaign
therefore gets a *witness*: a region ``r`` with existing MW (so no entry and no build is
needed), a part ``p`` eligible there (domestic when the policy rules are on, so the
domestic-share and foreign-vendor rules hold too) with supply in ``r``'s market in the campaign's
first period ``t0``, and a number of pods ``n`` that uses at most ``1 / (2K)`` (K
campaigns) of that period's pods obtainable, of the region's existing MW, of the period's
budget cap and of the total budget.  All witnesses together use at most half of each
limit, so buying them all is feasible, and training ``n`` pods' peak compute x utilisation
for the one period ``t0`` delivers twice the campaign's ``flop``.  A campaign for which no
witness with ``n >= 1`` exists gets a late penalty instead, so it is never hard.  The
witness is computed from the numbers exactly as written to the files, and returned
(:attr:`Generated.witnesses`): tests/test_generate.py checks that the witnesses satisfy
every row and bound of the built program.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import yaml

from capplan.errors import InputError, Problem
from capplan.io import write_atomically

PeriodLength = Literal["year", "quarter", "month"]
PERIOD_YEARS: dict[str, float] = {"year": 1.0, "quarter": 0.25, "month": 1.0 / 12.0}
FIRST_YEAR = 2026
SECONDS_PER_YEAR = 8760 * 3600
ZFLOP = 1e21
SERVER_UPLIFT = 0.30
WITNESS_SAFETY = 0.5  # a required campaign asks for half of what its witness delivers

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

CAMPAIGN_COLUMNS = (
    "campaign",
    "flop",
    "earliest",
    "deadline",
    "regions",
    "parts",
    "late_penalty_rmb_per_zflop",
)
REGION_COLUMNS = (
    "region",
    "zone",
    "market",
    "currency",
    "existing_mw",
    "module_mw",
    "capex_per_mw_m",
    "lead_time_months",
    "pue",
    "power_price_per_mwh",
    "grid_gco2_per_kwh",
    "max_new_mw_per_period",
    "max_new_mw_total",
    "entry_cost_m",
    "min_first_build_mw",
)
PART_COLUMNS = (
    "part",
    "vendor",
    "domestic",
    "price_usd",
    "tflops",
    "memory_gb",
    "watts",
    "life_years",
    "pod_size",
    "util_inference",
    "util_training",
)
LIMITS = {
    "regions": (1, 10_000),
    "parts": (1, 1_000),
    "periods": (1, 600),
    "zones": (1, 1_000),
    "campaigns": (0, 10_000),
}


@dataclass(frozen=True)
class Spec:
    """What to generate; the same Spec always gives the same files."""

    seed: int = 0
    regions: int = 10
    parts: int = 8
    periods: int = 3
    period_length: PeriodLength = "year"
    zones: int = 3
    campaigns: int = 3
    policies: bool = False  # add a domestic-share floor for China and a foreign-vendor cap
    name: str | None = None

    @property
    def period_years(self) -> float:
        return PERIOD_YEARS[self.period_length]

    @property
    def model_name(self) -> str:
        if self.name:
            return self.name
        return (
            f"gen-s{self.seed}-r{self.regions}-p{self.parts}-t{self.periods}"
            f"{self.period_length[0]}-z{self.zones}-k{self.campaigns}"
        )

    def problems(self) -> list[Problem]:
        """Every bad field, as input problems naming the command-line option."""
        out = []
        for key, (lo, hi) in LIMITS.items():
            value = getattr(self, key)
            if not lo <= value <= hi:
                out.append(
                    Problem(
                        "command line",
                        "--" + key,
                        f"expected a whole number from {lo} to {hi}, got {value}",
                    )
                )
        if self.seed < 0:
            out.append(Problem("command line", "--seed", f"expected >= 0, got {self.seed}"))
        if self.period_length not in PERIOD_YEARS:
            out.append(
                Problem(
                    "command line",
                    "--period-length",
                    f"expected one of {', '.join(PERIOD_YEARS)}, got {self.period_length!r}",
                )
            )
        if self.zones > self.regions:
            out.append(
                Problem(
                    "command line",
                    "--zones",
                    f"expected at most --regions ({self.regions}) zones, got {self.zones}: "
                    "every zone needs a region",
                )
            )
        if self.name is not None and not 1 <= len(self.name) <= 80:
            out.append(Problem("command line", "--name", "expected 1 to 80 characters"))
        return out


# --------------------------------------------------------------------------- numbers


def sig(value: float, digits: int = 4) -> float:
    """``value`` rounded to ``digits`` significant digits (0 stays 0)."""
    if value == 0 or not math.isfinite(value):
        return float(value)
    return float(f"{value:.{digits}g}")


def floor_sig(value: float, digits: int = 3) -> float:
    """``value`` rounded *down* to ``digits`` significant digits (for amounts to stay under)."""
    if value <= 0 or not math.isfinite(value):
        return 0.0
    exponent = math.floor(math.log10(value)) - digits + 1
    mantissa = math.floor(value / 10.0**exponent)
    out = float(f"{mantissa}e{exponent}")
    while out > value and mantissa > 0:
        mantissa -= 1
        out = float(f"{mantissa}e{exponent}")
    return out


def cell(value: Any) -> str:
    """The CSV text of one value: ``true``/``false``, whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        v = float(value)
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    return str(value)


def csv_text(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Comma-separated text with a header and ``\\n`` line ends (names never need quotes)."""
    lines = [",".join(columns)]
    lines += [",".join(cell(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- the data


def period_labels(n: int, length: str) -> list[str]:
    if length == "year":
        return [f"FY{FIRST_YEAR + t}" for t in range(n)]
    if length == "quarter":
        return [f"{FIRST_YEAR + t // 4}Q{t % 4 + 1}" for t in range(n)]
    return [f"{FIRST_YEAR + t // 12}-{t % 12 + 1:02d}" for t in range(n)]


@dataclass(frozen=True)
class Witness:
    """A plan that trains a required campaign: ``pods`` pods of ``part`` bought in
    ``region`` in ``period`` (the campaign's first), training ``zflop`` ZFLOP there."""

    campaign: str
    region: str
    part: str
    period: str
    pods: int
    zflop: float


@dataclass(frozen=True)
class Generated:
    """The generated files' contents, by path relative to the output folder, and the
    witnesses that make the model feasible (one per campaign that has one)."""

    files: dict[str, str]
    required_campaigns: int
    penalised_campaigns: int
    witnesses: tuple[Witness, ...] = ()


def generate(spec: Spec) -> Generated:
    """The files of the model folder for ``spec`` (see the module docstring)."""
    problems = spec.problems()
    if problems:
        raise InputError(problems)
    rng = np.random.default_rng(spec.seed)
    y = spec.period_years
    T = spec.periods
    periods = period_labels(T, spec.period_length)

    # zones and currencies: zone 0 is China's (market china, CNY), the rest overseas
    zones = ["CN"] + [f"Z{z:02d}" for z in range(1, spec.zones)]
    zone_currency = ["CNY"] + [
        CURRENCIES[(z - 1) % len(CURRENCIES)][0] for z in range(1, spec.zones)
    ]
    per_usd_base = {"CNY": CNY_PER_USD, **dict(CURRENCIES)}
    currencies = sorted({*zone_currency, "CNY", "USD"})
    rates = {
        c: [
            1.0 if c == "USD" else sig(per_usd_base[c] * (1 + rng.uniform(-0.03, 0.03)))
            for _ in range(T)
        ]
        for c in currencies
    }

    # parts
    parts = [f"P{i + 1:03d}" for i in range(spec.parts)]
    part_rows = []
    domestic = np.zeros(spec.parts, dtype=bool)
    for i, name in enumerate(parts):
        dom, price, flops, mem, power, pod, u_inf, u_tr = ARCHETYPES[i % len(ARCHETYPES)]
        domestic[i] = dom
        vendors = DOMESTIC_VENDORS if dom else FOREIGN_VENDORS
        f = rng.uniform(0.85, 1.15, size=4)
        part_rows.append(
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
    price_usd = np.array([r[3] for r in part_rows], dtype=float)
    tflops = np.array([r[4] for r in part_rows], dtype=float)
    watts = np.array([r[6] for r in part_rows], dtype=float)
    pod_size = np.array([r[8] for r in part_rows], dtype=float)
    util_tr = np.array([r[10] for r in part_rows], dtype=float)

    # regions: region i is in zone i % Z, so every zone has one
    regions = [f"R{i + 1:03d}" for i in range(spec.regions)]
    region_zone = np.arange(spec.regions) % spec.zones
    china = region_zone == 0
    region_rows = []
    existing = np.zeros(spec.regions)
    for i, name in enumerate(regions):
        cur = zone_currency[region_zone[i]]
        fx = per_usd_base[cur]
        new_region = i > 0 and rng.random() < 0.25  # region 0 always has capacity
        existing[i] = 0.0 if new_region else float(round(rng.uniform(5, 400)))
        module = float(rng.choice([5, 10, 20]))
        per_period = sig(rng.uniform(30, 600) * y, 3)
        total = "" if rng.random() < 0.6 else float(round(rng.uniform(50, 1000)))
        region_rows.append(
            [
                name,
                zones[region_zone[i]],
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

    # supply (units per period) and price premium per part, market, period
    markets = ("china", "overseas")
    units = np.zeros((spec.parts, 2, T))
    premium = np.zeros((spec.parts, 2, T))
    growth = rng.uniform(0.0, 0.3, size=spec.parts)
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
    supply_rows = [
        [parts[i], markets[m], periods[t], units[i, m, t], premium[i, m, t]]
        for i in range(spec.parts)
        for m in range(2)
        for t in range(T)
    ]

    # eligibility: a part may go where its market has supply, mostly
    market_of = np.where(china, 0, 1)
    has_supply = units.sum(axis=2) > 0  # (P, 2)
    allowed = has_supply[:, market_of].T & (rng.random((spec.regions, spec.parts)) < 0.9)
    for r in range(spec.regions):
        if china[r] and domestic.any():  # state work needs a domestic part in China
            dom_ok = np.flatnonzero(domestic & has_supply[:, 0])
            if not allowed[r, dom_ok].any():
                allowed[r, dom_ok[0]] = True
        if not allowed[r].any():
            ok = np.flatnonzero(has_supply[:, market_of[r]])
            allowed[r, ok[0] if len(ok) else 0] = True
    elig_rows = [
        [parts[p], regions[r], bool(allowed[r, p])]
        for p in range(spec.parts)
        for r in range(spec.regions)
    ]

    # demand: each zone asks for 30-100% of what its share of its market's supply could serve
    zflop_per_unit = tflops * 1e12 * SECONDS_PER_YEAR * y / ZFLOP  # peak, one period
    demand_rows = []
    for z, zone in enumerate(zones):
        in_zone = region_zone == z
        m = 0 if z == 0 else 1
        same_market = (market_of == m).sum()
        usable = (allowed[in_zone].any(axis=0)) & has_supply[:, m]
        share = in_zone.sum() / max(1, same_market)
        level = rng.uniform(0.3, 1.0)
        revenue = float(round(rng.uniform(18_000, 26_000), -2))
        for t in range(T):
            potential = float((units[usable, m, t] * zflop_per_unit[usable] * 0.35).sum())
            demand_rows.append([zone, periods[t], sig(level * share * potential), revenue])

    # budget: about a third of the cost of every obtainable accelerator, capped per period
    usd = np.array(rates["CNY"])  # RMB per USD (USD has 1 per USD)
    pod_cost = (
        pod_size[:, None, None]
        * price_usd[:, None, None]
        * (1 + SERVER_UPLIFT)
        * (1 + premium)
        * usd[None, None, :]
        / 1e6
    )  # RMB M per pod, (P, 2, T)
    all_cost_m = float((units / pod_size[:, None, None] * pod_cost).sum())
    total_bn = max(1.0, sig(all_cost_m / 3e3, 3))
    per_period_bn = sig(max(total_bn / T * 2.0, total_bn * 0.05), 3)

    # campaigns with witnesses (module docstring)
    K = spec.campaigns
    witnesses: list[Witness] = []
    campaign_rows = []
    required = 0
    with_capacity = [r for r in range(spec.regions) if existing[r] > 0]
    hours_per_period = SECONDS_PER_YEAR * y
    for k in range(K):
        t0 = int(rng.integers(T))
        deadline = t0 + int(rng.integers(T - t0))
        r = with_capacity[k % len(with_capacity)]
        m = market_of[r]
        candidates = [
            p
            for p in range(spec.parts)
            if allowed[r, p] and units[p, m, t0] > 0 and (domestic[p] or not spec.policies)
        ]
        n = 0
        p = candidates[int(rng.integers(len(candidates)))] if candidates else -1
        if p >= 0:
            pods_obtainable = math.floor(units[p, m, t0] / pod_size[p] + 1e-9)
            pod_mw = pod_size[p] * watts[p] / 1e6
            cost = float(pod_cost[p, m, t0])
            n = math.floor(
                min(
                    pods_obtainable,
                    existing[r] / pod_mw,
                    per_period_bn * 1e3 / cost,
                    total_bn * 1e3 / cost,
                )
                / (2 * K)
            )
        others_r = [x for x in range(spec.regions) if x != r and rng.random() < 0.2]
        others_p = [x for x in range(spec.parts) if x != p and rng.random() < 0.3]
        wide = rng.random() < 0.3
        penalty = float(round(rng.uniform(10_000, 50_000), -2))
        if n >= 1:
            delivered = n * pod_size[p] * tflops[p] * 1e12 * hours_per_period * util_tr[p]
            flop = floor_sig(WITNESS_SAFETY * delivered, 3)
            witnesses.append(
                Witness(f"C{k + 1:03d}", regions[r], parts[p], periods[t0], n, flop / ZFLOP)
            )
            required += 1
            late: float | None = None
            reg_cell = (
                "*" if wide else _listing([regions[x] for x in sorted([r, *others_r])], regions[r])
            )
            part_cell = (
                "*" if wide else _listing([parts[x] for x in sorted([p, *others_p])], parts[p])
            )
        else:  # no witness: a penalised campaign is never hard
            flop = sig(float(rng.uniform(1e23, 1e25)), 3)
            late = penalty
            reg_cell = "*"
            part_cell = "*"
        campaign_rows.append(
            [
                f"C{k + 1:03d}",
                flop,
                periods[t0] if t0 > 0 or rng.random() < 0.5 else None,
                periods[deadline],
                reg_cell,
                part_cell,
                late,
            ]
        )
    # a few witnessed campaigns are made soft too (never harder than required)
    for row in campaign_rows:
        if row[6] is None and rng.random() < 0.3:
            row[6] = float(round(rng.uniform(10_000, 50_000), -2))
            required -= 1

    model: dict[str, Any] = {
        "name": spec.model_name,
        "description": (
            f"Synthetic instance from capplan generate (seed {spec.seed}): "
            f"{spec.regions} regions, {spec.parts} parts, {T} {spec.period_length} periods, "
            f"{spec.zones} zones, {K} campaigns."
        ),
        "horizon": {"periods": periods, "period_years": y},
        "budget": {
            "total_rmb_bn": total_bn,
            "per_period_rmb_bn": dict.fromkeys(periods, per_period_bn),
        },
        "finance": {
            "wacc": 0.079,
            "server_uplift": SERVER_UPLIFT,
            "maintenance_rate_hardware": 0.03,
            "maintenance_rate_shell": 0.02,
            "shell_life_years": 20.0,
            "carbon_price_rmb_per_t": 0.0,
        },
        "objective": {"kind": "max_npv"},
        "solver": {
            "backend": "highs",
            "time_limit_s": 600.0,
            "mip_gap": 1.0e-4,
            "threads": 1,
            "seed": 0,
        },
        "inputs": {"dir": "inputs"},
    }
    policy: dict[str, Any] = {
        "state_share": {"CN": 0.3},
        "min_domestic_share_china": 0.5 if spec.policies else None,
        "max_foreign_vendor_share": 0.8 if spec.policies else None,
    }
    header = f"# generated by capplan generate: {_spec_text(spec)}\n"
    files = {
        "model.yaml": header + yaml.safe_dump(model, sort_keys=False, width=100),
        "inputs/regions.csv": csv_text(REGION_COLUMNS, region_rows),
        "inputs/parts.csv": csv_text(PART_COLUMNS, part_rows),
        "inputs/supply.csv": csv_text(
            ("part", "market", "period", "units", "price_premium"), supply_rows
        ),
        "inputs/eligibility.csv": csv_text(("part", "region", "allowed"), elig_rows),
        "inputs/demand.csv": csv_text(
            ("zone", "period", "demand_zflop", "revenue_rmb_per_zflop"), demand_rows
        ),
        "inputs/campaigns.csv": csv_text(CAMPAIGN_COLUMNS, campaign_rows),
        "inputs/exchange_rates.csv": csv_text(
            ("currency", "period", "per_usd"),
            [[c, periods[t], rates[c][t]] for c in currencies for t in range(T)],
        ),
        "inputs/policy.yaml": header + yaml.safe_dump(policy, sort_keys=False),
    }
    return Generated(files, required, K - required, tuple(witnesses))


def _listing(names: list[str], keep: str, limit: int = 80) -> str:
    """``;``-joined names, dropping others than ``keep`` from the end to fit ``limit``
    characters (a campaign's cell is at most 80 characters)."""
    names = list(names)
    while len(";".join(names)) > limit:
        drop = next(i for i in range(len(names) - 1, -1, -1) if names[i] != keep)
        del names[drop]
    return ";".join(names)


def _spec_text(spec: Spec) -> str:
    return " ".join(f"{k}={v}" for k, v in asdict(spec).items() if v is not None)


# --------------------------------------------------------------------------- writing


def write_folder(files: dict[str, str], out_dir: Path, *, force: bool = False) -> Path:
    """Write ``files`` (relative path -> text) as ``out_dir``, atomically (io.write_atomically):
    all or nothing, and an existing ``out_dir`` is replaced only with ``force``."""

    def fill(tmp: Path) -> None:
        for rel, text in sorted(files.items()):
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))

    return write_atomically(out_dir, fill, force)


def generate_folder(spec: Spec, out_dir: str | Path, *, force: bool = False) -> Generated:
    """Generate ``spec`` into ``out_dir`` (atomically); the model file is ``model.yaml``."""
    generated = generate(spec)
    write_folder(generated.files, Path(out_dir), force=force)
    return generated
