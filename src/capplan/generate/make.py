"""The orchestrator: :func:`generate` draws every table in a fixed order and gives the
files' contents (nothing is written here; see :mod:`capplan.generate.write`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capplan.errors import InputError
from capplan.generate import tables
from capplan.generate.model_file import budget, model_yaml, policy_yaml
from capplan.generate.spec import Spec, period_labels
from capplan.generate.text import csv_text
from capplan.generate.witness import CAMPAIGN_COLUMNS, Witness, campaigns

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


@dataclass(frozen=True)
class Generated:
    """The generated files' contents, by path relative to the output folder, and the
    witnesses that make the model feasible (one per campaign that has one)."""

    files: dict[str, str]
    required_campaigns: int
    penalised_campaigns: int
    witnesses: tuple[Witness, ...] = ()


def generate(spec: Spec) -> Generated:
    """The files of the model folder for ``spec`` (see :mod:`capplan.generate`; the
    feasibility witnesses are explained in :mod:`capplan.generate.witness`).

    All randomness comes from one ``numpy.random.default_rng(spec.seed)``, drawn by the
    table functions in this order: exchange rates, parts, regions, supply, eligibility,
    demand, campaigns."""
    problems = spec.problems()
    if problems:
        raise InputError(problems)
    rng = np.random.default_rng(spec.seed)
    periods = period_labels(spec.periods, spec.period_length)
    zones = tables.zones(spec, rng)
    parts = tables.parts(spec, rng)
    regions = tables.regions(spec, rng, zones)
    supply = tables.supply(spec, rng, parts, periods)
    allowed, elig_rows = tables.eligibility(spec, rng, parts, regions, supply)
    demand_rows = tables.demand(spec, rng, periods, zones, parts, regions, supply, allowed)
    money = budget(spec, parts, supply, zones)
    made = campaigns(spec, rng, periods, parts, regions, supply, allowed, money)
    files = {
        "model.yaml": model_yaml(spec, periods, money),
        "inputs/regions.csv": csv_text(REGION_COLUMNS, regions.rows),
        "inputs/parts.csv": csv_text(PART_COLUMNS, parts.rows),
        "inputs/supply.csv": csv_text(
            ("part", "market", "period", "units", "price_premium"), supply.rows
        ),
        "inputs/eligibility.csv": csv_text(("part", "region", "allowed"), elig_rows),
        "inputs/demand.csv": csv_text(
            ("zone", "period", "demand_zflop", "revenue_rmb_per_zflop"), demand_rows
        ),
        "inputs/campaigns.csv": csv_text(CAMPAIGN_COLUMNS, made.rows),
        "inputs/exchange_rates.csv": csv_text(
            ("currency", "period", "per_usd"), zones.rate_rows(periods)
        ),
        "inputs/policy.yaml": policy_yaml(spec),
    }
    return Generated(files, made.required, spec.campaigns - made.required, made.witnesses)
