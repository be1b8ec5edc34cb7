"""Training campaigns, each required one with a witness that makes the model feasible.

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
(:attr:`capplan.generate.Generated.witnesses`): tests/test_generate.py checks that the
witnesses satisfy every row and bound of the built program.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from capplan.generate.model_file import Budget
from capplan.generate.spec import Spec
from capplan.generate.tables import (
    SECONDS_PER_YEAR,
    ZFLOP,
    BoolArray,
    Parts,
    Regions,
    Rows,
    Supply,
)
from capplan.generate.text import floor_sig, sig

WITNESS_SAFETY = 0.5  # a required campaign asks for half of what its witness delivers
CAMPAIGN_COLUMNS = (
    "campaign",
    "flop",
    "earliest",
    "deadline",
    "regions",
    "parts",
    "late_penalty_rmb_per_zflop",
)


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
class Campaigns:
    """The rows of ``campaigns.csv``, how many campaigns are required (no late penalty),
    and the witnesses (one per campaign that has one, soft ones included)."""

    rows: Rows
    required: int
    witnesses: tuple[Witness, ...]


def campaigns(
    spec: Spec,
    rng: np.random.Generator,
    periods: list[str],
    part: Parts,
    region: Regions,
    sup: Supply,
    allowed: BoolArray,
    money: Budget,
) -> Campaigns:
    """``spec.campaigns`` campaigns with witnesses (module docstring); campaign ``k`` is
    witnessed in the ``k``-th region with existing MW, in turn.  About 30% of the witnessed
    campaigns are then made soft too (never harder than required)."""
    T = spec.periods
    seconds = SECONDS_PER_YEAR * spec.period_years  # in one period
    witnesses: list[Witness] = []
    rows: Rows = []
    with_capacity = [r for r in range(spec.regions) if region.existing[r] > 0]
    for k in range(spec.campaigns):
        name = f"C{k + 1:03d}"
        t0 = int(rng.integers(T))
        deadline = t0 + int(rng.integers(T - t0))
        r = with_capacity[k % len(with_capacity)]
        p, n = _witness_pods(spec, rng, part, region, sup, allowed, money, r, t0)
        others_r = [x for x in range(spec.regions) if x != r and rng.random() < 0.2]
        others_p = [x for x in range(spec.parts) if x != p and rng.random() < 0.3]
        wide = rng.random() < 0.3
        penalty = float(round(rng.uniform(10_000, 50_000), -2))
        if n >= 1:
            delivered = n * part.pod_size[p] * part.tflops[p] * 1e12 * seconds * part.util_tr[p]
            flop = floor_sig(WITNESS_SAFETY * delivered, 3)
            witnesses.append(
                Witness(name, region.names[r], part.names[p], periods[t0], n, flop / ZFLOP)
            )
            late: float | None = None
            reg_cell = _cell(wide, region.names, [r, *others_r], r)
            part_cell = _cell(wide, part.names, [p, *others_p], p)
        else:  # no witness: a penalised campaign is never hard
            flop = sig(float(rng.uniform(1e23, 1e25)), 3)
            late = penalty
            reg_cell = "*"
            part_cell = "*"
        earliest = periods[t0] if t0 > 0 or rng.random() < 0.5 else None
        rows.append([name, flop, earliest, periods[deadline], reg_cell, part_cell, late])
    required = len(witnesses)
    for row in rows:
        if row[6] is None and rng.random() < 0.3:
            row[6] = float(round(rng.uniform(10_000, 50_000), -2))
            required -= 1
    return Campaigns(rows, required, tuple(witnesses))


def _witness_pods(
    spec: Spec,
    rng: np.random.Generator,
    part: Parts,
    region: Regions,
    sup: Supply,
    allowed: BoolArray,
    money: Budget,
    r: int,
    t0: int,
) -> tuple[int, int]:
    """The witness part ``p`` for region ``r`` in period ``t0`` (-1 if none is eligible with
    supply there) and its number of pods ``n``: at most ``1 / (2K)`` of each limit."""
    m = region.market_of[r]
    units = sup.units
    candidates = [
        p
        for p in range(spec.parts)
        if allowed[r, p] and units[p, m, t0] > 0 and (part.domestic[p] or not spec.policies)
    ]
    if not candidates:
        return -1, 0
    p = candidates[int(rng.integers(len(candidates)))]
    pods_obtainable = math.floor(units[p, m, t0] / part.pod_size[p] + 1e-9)
    pod_mw = part.pod_size[p] * part.watts[p] / 1e6
    cost = float(money.pod_cost[p, m, t0])
    n = math.floor(
        min(
            pods_obtainable,
            region.existing[r] / pod_mw,
            money.per_period_bn * 1e3 / cost,
            money.total_bn * 1e3 / cost,
        )
        / (2 * spec.campaigns)
    )
    return p, n


def _cell(wide: bool, names: list[str], picked: list[int], keep: int) -> str:
    """A campaign's regions or parts cell: ``*`` when ``wide``, else the picked names."""
    if wide:
        return "*"
    return _listing([names[x] for x in sorted(picked)], names[keep])


def _listing(names: list[str], keep: str, limit: int = 80) -> str:
    """``;``-joined names, dropping others than ``keep`` from the end to fit ``limit``
    characters (a campaign's cell is at most 80 characters)."""
    names = list(names)
    while len(";".join(names)) > limit:
        drop = next(i for i in range(len(names) - 1, -1, -1) if names[i] != keep)
        del names[drop]
    return ";".join(names)
