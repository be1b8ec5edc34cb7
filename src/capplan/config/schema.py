"""The schema of every input file, one pydantic model per file or table row.

YAML files are validated in *strict* mode: a value of the wrong type is an error, never
silently converted (YAML 1.1 reads ``1e6`` as the string "1e6" and ``NO`` as False).
CSV cells are text by nature, so table rows are validated in lax mode: "1.5e25" is a
number there.  Both forbid unknown keys or columns and non-finite numbers.  Each field's
description feeds the error messages, the JSON Schema and docs/inputs.md.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar, Literal

from pydantic import ConfigDict, Field, field_validator

from capplan.config.carried import MAX_INT, PathText, RunName, _Carried

NonNeg = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
Share = Annotated[float, Field(ge=0, le=1)]
Name = Annotated[str, Field(min_length=1, max_length=80)]


class _Yaml(_Carried):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class _Row(_Carried):
    model_config = ConfigDict(
        extra="forbid", strict=False, frozen=True, allow_inf_nan=False, str_strip_whitespace=True
    )


# --------------------------------------------------------------------------- model file


class Horizon(_Yaml):
    """The planning periods."""

    periods: list[Name] = Field(min_length=1, description="Period labels in time order.")
    period_years: float = Field(1.0, gt=0, le=10, description="Length of one period in years.")

    @field_validator("periods")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        dupes = sorted({p for p in v if v.count(p) > 1})
        if dupes:
            raise ValueError(f"periods must be unique; repeated: {', '.join(dupes)}")
        return v


class Budget(_Yaml):
    """Capital budget in RMB billion (capex in other currencies is converted)."""

    total_rmb_bn: float = Field(gt=0, description="Total capex over the horizon, RMB billion.")
    per_period_rmb_bn: dict[str, NonNeg] | None = Field(
        None, description="Cap on capex per period, RMB billion; every period must be named."
    )


class Finance(_Yaml):
    """Discounting and cost assumptions."""

    wacc: float = Field(ge=0, lt=1, description="Cost of capital per year (0.079 = 7.9%).")
    server_uplift: float = Field(
        0.30,
        ge=0,
        le=5,
        description="Share added to an accelerator's price for server, host and network.",
    )
    maintenance_rate_hardware: float = Field(
        0.03, ge=0, le=1, description="Hardware maintenance per year, share of purchase price."
    )
    maintenance_rate_shell: float = Field(
        0.02, ge=0, le=1, description="Data-centre maintenance per year, share of shell capex."
    )
    shell_life_years: float = Field(
        20.0, gt=0, le=100, description="Straight-line life of a data-centre shell, years."
    )
    carbon_price_rmb_per_t: float = Field(
        0.0, ge=0, description="Carbon price added to power cost, RMB per tCO2."
    )
    residual_value: Literal["straight_line", "none", "earnings"] = Field(
        "straight_line",
        description="Value of assets at the horizon's end: straight_line (purchase price "
        "times remaining life share), none, or earnings (PV of the final period's net "
        "earnings continued for half the parts' life; docs/model.md).",
    )


class Objective(_Yaml):
    """What the plan optimises."""

    kind: Literal["max_npv", "min_cost"] = Field(
        "max_npv",
        description="max_npv: revenue - capex - opex + residual; min_cost: present "
        "cost plus a penalty on unserved demand.",
    )
    unserved_penalty_rmb_per_zflop: float = Field(
        20000.0, ge=0, description="min_cost only: penalty per ZFLOP of unserved demand, RMB."
    )


# The MIP backends of capplan.backends.BACKENDS (tests/test_backends.py checks they agree;
# the config stage does not import the backends).
MipBackend = Literal["highs", "scip", "cbc", "glpk", "gurobi", "cplex", "highs-ortools"]


class SolverSettings(_Yaml):
    """Solver choice and limits."""

    backend: MipBackend = Field(
        "highs", description="Solver backend (a MIP backend of `capplan solvers`)."
    )
    time_limit_s: float | None = Field(
        120.0, gt=0, description="Wall-clock limit in seconds; null for none."
    )
    mip_gap: float = Field(1e-6, ge=0, lt=1, description="Relative MIP gap to prove.")
    threads: int = Field(1, ge=1, le=256, description="Solver threads.")
    seed: int = Field(
        0, ge=0, le=MAX_INT, description="Solver random seed (fixed for reproducibility)."
    )


class InputFiles(_Yaml):
    """Where the input tables are, relative to the model file."""

    dir: PathText = Field("../inputs", description="Folder of the input tables.")
    regions: PathText = "regions.csv"
    parts: PathText = "parts.csv"
    supply: PathText = "supply.csv"
    eligibility: PathText = "eligibility.csv"
    demand: PathText = "demand.csv"
    campaigns: PathText = "campaigns.csv"
    exchange_rates: PathText = "exchange_rates.csv"
    policy: PathText = "policy.yaml"


class ModelFile(_Yaml):
    """A model file (models/*.yaml)."""

    name: RunName = Field(
        description="Model name; the default run folder is outputs/<name> (a plain folder "
        "name: no / or \\, not starting with a dot)."
    )
    description: str = ""
    horizon: Horizon
    budget: Budget
    finance: Finance
    objective: Objective = Objective()
    solver: SolverSettings = SolverSettings()
    inputs: InputFiles = InputFiles()


class Policy(_Yaml):
    """inputs/policy.yaml: domestic-chip and vendor rules."""

    state_share: dict[Name, Share] = Field(
        default_factory=dict,
        description="Zone -> share of its inference demand that is state or government work "
        "and must run on domestic parts.",
    )
    min_domestic_share_china: Share | None = Field(
        None,
        description="Minimum share of China's installed compute (peak TFLOPS) on "
        "domestic parts, each period; null = no rule.",
    )
    max_foreign_vendor_share: Share | None = Field(
        None,
        description="Maximum share of the whole fleet's installed compute from any one "
        "foreign vendor, each period; null = no cap.",
    )


# --------------------------------------------------------------------------- table rows


class RegionRow(_Row):
    """regions.csv: one row per region."""

    region: Name = Field(description="Region name.")
    zone: Name = Field(description="Data-residency zone (CN, EU, LATAM, SEA...).")
    market: Literal["china", "overseas"] = Field(description="Supply market of the region.")
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = Field(
        description="ISO code of the currency the region's costs are stated in."
    )
    existing_mw: NonNeg = Field(description="MW of IT load built and free at the start.")
    module_mw: Positive = Field(description="MW of IT load in one build module.")
    capex_per_mw_m: NonNeg = Field(description="Shell capex, million currency per MW IT.")
    lead_time_months: Annotated[float, Field(ge=0, le=240)] = Field(
        description="Months from build decision to power-on."
    )
    pue: Annotated[float, Field(ge=1, le=3)] = Field(description="Power usage effectiveness.")
    power_price_per_mwh: NonNeg = Field(description="Power price, currency per MWh.")
    grid_gco2_per_kwh: NonNeg = Field(description="Grid carbon intensity, gCO2 per kWh.")
    max_new_mw_per_period: NonNeg | None = Field(
        None, description="Limit on new MW IT started per period; empty = none."
    )
    max_new_mw_total: NonNeg | None = Field(
        None, description="Limit on new MW IT over the horizon; empty = none."
    )
    entry_cost_m: NonNeg = Field(0.0, description="Fixed cost to open the region, million.")
    min_first_build_mw: NonNeg = Field(0.0, description="Minimum first build in a new region.")


class PartRow(_Row):
    """parts.csv: one row per accelerator part."""

    part: Name = Field(description="Part name.")
    vendor: Name = Field(description="Vendor.")
    domestic: bool = Field(description="True for a domestic (Chinese) part.")
    price_usd: Positive = Field(description="Accelerator price, USD per unit.")
    tflops: Positive = Field(description="Dense BF16 peak TFLOPS per unit.")
    memory_gb: NonNeg = Field(description="Memory per unit, GB.")
    watts: Positive = Field(description="IT watts per unit including host and network share.")
    life_years: Positive = Field(description="Straight-line life, years.")
    pod_size: Annotated[int, Field(ge=1)] = Field(description="Units per pod (unit of purchase).")
    util_inference: Annotated[float, Field(gt=0, le=1)] = Field(
        description="Share of peak delivered when serving inference."
    )
    util_training: Annotated[float, Field(gt=0, le=1)] = Field(
        description="Model FLOPS utilisation in training."
    )


class SupplyRow(_Row):
    """supply.csv: units obtainable per part, market and period."""

    part: Name
    market: Literal["china", "overseas"]
    period: Name
    units: NonNeg = Field(description="Accelerators obtainable in the period.")
    price_premium: Annotated[float, Field(ge=0, le=10)] = Field(
        0.0, description="Share added to the price in this market (levies)."
    )


class EligibilityRow(_Row):
    """eligibility.csv: may this part be installed in this region."""

    part: Name
    region: Name
    allowed: bool


class DemandRow(_Row):
    """demand.csv: incremental inference demand per zone and period."""

    # demand typed in FLOP (x 1e21) must reach the plausibility warning that names the slip
    _limits: ClassVar[dict[str, float]] = {"demand_zflop": 1e30}

    zone: Name
    period: Name
    demand_zflop: NonNeg = Field(description="Inference demand, ZFLOP (1e21 FLOP) in the period.")
    revenue_rmb_per_zflop: NonNeg = Field(description="Revenue per ZFLOP served, RMB.")


class CampaignRow(_Row):
    """campaigns.csv: training campaigns."""

    # 1e36 FLOP = 1e15 ZFLOP, the magnitude limit of every other number once in ZFLOP:
    # compute counted in a unit a million times smaller still fits (docs/reliability.md)
    _limits: ClassVar[dict[str, float]] = {"flop": 1e36}

    campaign: Name
    flop: Positive = Field(description="Compute to deliver, FLOP.")
    earliest: Name | None = Field(None, description="First period it may run; empty = first.")
    deadline: Name = Field(description="Period by whose end it must be done.")
    regions: Name = Field(description="';'-separated region names, or * for all.")
    parts: Name = Field(description="';'-separated part names, or * for all.")
    late_penalty_rmb_per_zflop: NonNeg | None = Field(
        None, description="Empty = required by the deadline; else penalty per ZFLOP short, RMB."
    )


class ExchangeRateRow(_Row):
    """exchange_rates.csv: currency units per USD."""

    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    period: Name
    per_usd: Positive = Field(description="Units of the currency per USD.")


TABLE_ROWS: dict[str, type[_Row]] = {
    "regions": RegionRow,
    "parts": PartRow,
    "supply": SupplyRow,
    "eligibility": EligibilityRow,
    "demand": DemandRow,
    "campaigns": CampaignRow,
    "exchange_rates": ExchangeRateRow,
}

TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "regions": ("region",),
    "parts": ("part",),
    "supply": ("part", "market", "period"),
    "eligibility": ("part", "region"),
    "demand": ("zone", "period"),
    "campaigns": ("campaign",),
    "exchange_rates": ("currency", "period"),
}


# --------------------------------------------------------------------------- scenario file

TableName = Literal[
    "regions", "parts", "supply", "eligibility", "demand", "campaigns", "exchange_rates"
]
Cell = str | float | bool  # a value in a table column (a whole number is a float)


class PeriodRange(_Yaml):
    """A range of periods in horizon order, both ends included; either end may be left out."""

    from_: Name | None = Field(None, alias="from", description="First period (default: first).")
    to: Name | None = Field(None, description="Last period (default: last).")


class TableEdit(_Yaml):
    """Change the rows of an input table that match ``where``.

    Example: ``{table: demand, where: {zone: SEA, period: {from: FY2027}}, scale:
    {demand_zflop: 1.5}}``.  Each column of ``where`` takes a value, a list of values (any
    of them) or, for ``period``, a range ``{from: P1, to: P2}``; columns are combined with
    "and".  A selection that matches no row is an error.
    """

    # values are checked where they land: the edited rows against their row schema
    _limits: ClassVar[dict[str, float]] = {"where": math.inf, "set": math.inf, "add": math.inf}

    table: TableName = Field(description="Input table to edit.")
    where: dict[Name, Cell | list[Cell] | PeriodRange] = Field(
        default_factory=dict,
        description="Column -> value, list of values, or {from, to} for period; {} = all rows.",
    )
    set: dict[Name, Cell | None] = Field(
        default_factory=dict, description="Column -> new value for every matched row."
    )
    scale: dict[Name, float] = Field(
        default_factory=dict, description="Column -> factor to multiply the matched values by."
    )
    add: dict[Name, float] = Field(
        default_factory=dict, description="Column -> amount to add to the matched values."
    )


class RowRemoval(_Yaml):
    """Remove the rows of an input table that match ``where`` (as in :class:`TableEdit`).

    Removing a region also removes its eligibility rows; removing a part, its supply and
    eligibility rows.  Example: ``{table: regions, where: {region: Mexico}}``.
    """

    table: TableName = Field(description="Input table to remove rows from.")
    where: dict[Name, Cell | list[Cell] | PeriodRange] = Field(
        description="Column -> value, list of values, or {from, to} for period."
    )


class ScenarioFile(_Yaml):
    """A scenario file (models/scenarios/*.yaml): what changes relative to a model."""

    # overrides are checked as the model file they change, with their key paths
    _limits: ClassVar[dict[str, float]] = {"overrides": math.inf}

    description: str = Field("", description="What the scenario says, in one line.")
    source: str = Field("", description="Where it comes from (event, report) or 'assumption'.")
    extends: PathText = Field(
        description="The model file or scenario file this one changes, relative to this file."
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="Keys of the model file to change (deep merge); a 'policy' section "
        "changes keys of policy.yaml.",
    )
    remove: list[RowRemoval] = Field(
        default_factory=list, description="Rows to remove, applied first (docs/scenarios.md)."
    )
    add: dict[TableName, list[dict[Name, Cell | None]]] = Field(
        default_factory=dict,
        description="Table -> new rows, added after the removals; rows a new region, part "
        "or zone needs and does not state get documented defaults (docs/scenarios.md).",
    )
    edits: list[TableEdit] = Field(
        default_factory=list, description="Edits of input table rows, applied last, in order."
    )


# --------------------------------------------------------------------------- JSON Schema


def json_schema(kind: Literal["model", "scenario", "policy"]) -> dict[str, Any]:
    """The JSON Schema of a model, scenario or policy file, for editors.

    A scenario's ``overrides`` is described as the model file with every key optional,
    plus an optional ``policy`` section with the policy file's keys.
    """
    if kind == "model":
        return ModelFile.model_json_schema()
    if kind == "policy":
        return Policy.model_json_schema()
    out = ScenarioFile.model_json_schema()
    model, policy = ModelFile.model_json_schema(), Policy.model_json_schema()
    defs = {k: _optional(v) for k, v in model.pop("$defs", {}).items()}
    defs.update(out.get("$defs", {}))
    overrides = _optional({k: v for k, v in model.items() if k != "title"})
    overrides["properties"]["policy"] = _optional({k: v for k, v in policy.items() if k != "title"})
    overrides["description"] = out["properties"]["overrides"]["description"]
    out["properties"]["overrides"] = overrides
    out["$defs"] = dict(sorted(defs.items()))
    return out


def _optional(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of an object schema with no required keys (overrides name only what changes)."""
    return {k: v for k, v in schema.items() if k != "required"}
