"""The registry of constraint families: one place for each family's name, keys, unit and words.

Each :class:`Family` is one block of rows of the program (``lp.row_blocks[name]``).  Its
``define`` function (in :mod:`capplan.model.constraints`, whose docstring states the
algebra) adds it; one function may add several families (the entry rows, the budgets).
:func:`capplan.model.build.build_model` calls the functions in the order of
:data:`FAMILIES`.  Everything that names a family to a person reads it from here: the
marginal values (unit, factor, which families are reported), the infeasibility
explanation (which rows may take elastic slack, how a violation is worded), the
comparison and the report.  ``docs/outputs.md`` lists the reported families with the same
keys, sense, units and meaning; ``tests/test_registry.py`` checks both.

Words.  ``row`` names one row: a template over the row's keys (set name -> label), and
``share`` for the policy families (`` of 30%`` where the share is known, else empty).
``limit`` writes the row's limit after its name, over ``value`` (the number in the
family's unit), ``money`` (RMB million in words) and ``flop`` (ZFLOP as FLOP).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from capplan.model import constraints as c
from capplan.model.algebra import Builder, Entries
from capplan.model.params import Params
from capplan.model.variables import Vars

Define = Callable[[Builder, Vars, Params], "Entries | list[Entries] | None"]
Kind = Literal["limit", "requirement", "policy", "internal"]
MONEY = "RMB M"


@dataclass(frozen=True)
class Family:
    """A constraint family (a block of rows) and how it is described."""

    name: str
    dims: tuple[str, ...]
    sense: Literal["<=", ">="]
    unit: str  # the rows' own unit (limit, activity and slack)
    define: Define
    kind: Kind = "limit"  # requirement: a >= row of work; policy: a share of the fleet
    elastic: bool = False  # may take an elastic slack when the model is infeasible
    value_unit: str | None = None  # unit of the marginal value; None: not reported
    factor: float = 1.0  # RMB million per model unit -> value_unit
    row: str = ""  # the row in business language (see the module docstring)
    limit: str = ""  # its limit in words, after the row's name
    one_more: str = ""  # what one unit more of the limit means
    limit_counts_builds: bool = False  # activity and limit are shown with the MW built added
    share: str = ""  # a policy family: the Params field holding its share

    @property
    def reported(self) -> bool:
        """Whether the marginal values report the family."""
        return self.value_unit is not None

    def row_words(self, keys: dict[str, str], share: str = "") -> str:
        return self.row.format(share=share, **keys)

    def amount(self, value: float, money: str, flop: str) -> str:
        """The limit in words: ``", 3 units"`` (empty for an internal family)."""
        return self.limit.format(value=value, money=money, flop=flop)


def _internal(
    name: str, dims: tuple[str, ...], sense: Literal["<=", ">="], define: Define
) -> Family:
    return Family(name, dims, sense, "-", define, kind="internal")


FAMILIES: tuple[Family, ...] = (
    _internal("entry_once", ("region",), "<=", c.define_entry),
    _internal("entry_gate", ("region", "period"), "<=", c.define_entry),
    _internal("entry_min_build", ("region", "period"), ">=", c.define_entry),
    Family(
        "mw_total",
        ("region",),
        "<=",
        "MW",
        c.define_mw_total,
        elastic=True,
        value_unit="RMB per MW",
        factor=1e6,
        row="the new-MW limit in {region}",
        limit=" of {value:,.1f} MW",
        one_more="one more MW allowed over the horizon",
    ),
    Family(
        "power",
        ("region", "period"),
        "<=",
        "MW",
        c.define_power,
        elastic=True,
        value_unit="RMB per MW",
        factor=1e6,
        row="power in {region} in {period}",
        limit=", {value:,.1f} MW plus new builds online",
        one_more="one more MW of IT load available in that region **in that period only**",
        limit_counts_builds=True,
    ),
    Family(
        "supply",
        ("part", "market", "period"),
        "<=",
        "units",
        c.define_supply,
        elastic=True,
        value_unit="RMB per unit",
        factor=1e6,
        row="the supply of {part} for {market} in {period}",
        limit=", {value:,.0f} units",
        one_more="one more accelerator obtainable (not one pod)",
    ),
    _internal("compute", ("region", "part", "period"), "<=", c.define_compute),
    Family(
        "demand",
        ("segment", "period"),
        "<=",
        "ZFLOP",
        c.define_demand,
        value_unit="RMB per ZFLOP",
        factor=1e6,
        row="{segment} demand in {period}",
        limit=" of {value:,.0f} ZFLOP",
        one_more="one more ZFLOP of demand",
    ),
    Family(
        "campaign",
        ("campaign",),
        ">=",
        "ZFLOP",
        c.define_campaigns,
        kind="requirement",
        elastic=True,
        value_unit="RMB per ZFLOP",
        factor=1e6,
        row="campaign {campaign}",
        limit=" of {flop} FLOP",
        one_more="one more ZFLOP required",
    ),
    Family(
        "budget_period",
        ("period",),
        "<=",
        MONEY,
        c.define_budget,
        elastic=True,
        value_unit="RMB per RMB",
        row="the {period} budget cap",
        limit=" of {money}",
        one_more="one more RMB of cap in that period",
    ),
    Family(
        "budget_total",
        (),
        "<=",
        MONEY,
        c.define_budget,
        elastic=True,
        value_unit="RMB per RMB",
        row="the total budget",
        limit=" of {money}",
        one_more="one more RMB of total budget",
    ),
    Family(
        "domestic_share",
        ("period",),
        ">=",
        "PFLOPS",
        c.define_domestic_share,
        kind="policy",
        elastic=True,
        value_unit="RMB per PFLOPS",
        factor=1e6,
        row="the minimum domestic share in China{share} in {period}",
        share="min_domestic_share_china",
        one_more="one more PFLOPS of domestic surplus required",
    ),
    Family(
        "vendor_cap",
        ("vendor", "period"),
        "<=",
        "PFLOPS",
        c.define_vendor_cap,
        kind="policy",
        elastic=True,
        value_unit="RMB per PFLOPS",
        factor=1e6,
        row="the cap{share} on {vendor}'s share in {period}",
        share="max_foreign_vendor_share",
        one_more="one more PFLOPS allowed to that vendor",
    ),
)

BY_NAME: dict[str, Family] = {f.name: f for f in FAMILIES}
REPORTED: tuple[Family, ...] = tuple(f for f in FAMILIES if f.reported)
ELASTIC: tuple[Family, ...] = tuple(f for f in FAMILIES if f.elastic)


def definitions() -> list[Define]:
    """The ``define_`` functions in build order, each once."""
    return list(dict.fromkeys(f.define for f in FAMILIES))


def family(name: str) -> Family | None:
    """The family of a row block (None for a name that is not one)."""
    return BY_NAME.get(name)
