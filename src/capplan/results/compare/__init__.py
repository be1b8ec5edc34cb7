"""Compare plans: KPIs side by side, investment changes, budget shifts, limits that moved,
and a paragraph of what changed and why.

The first plan is the reference; each other plan is compared with it.  A plan is the
result tables and summary of a run (a run folder or a solve in memory)::

    from capplan.results.compare import Plan, compare
    comparison = compare([Plan("base", ...), Plan("nvidia_ban", ...)])
    comparison.investments, comparison.story["nvidia_ban"]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from capplan.results.compare.changes import (
    budget_shifts,
    investment_changes,
    kpi_table,
    limit_changes,
)
from capplan.results.compare.story import story

TABLES = ("investments", "budget", "demand", "campaigns", "marginal_values")  # what it reads


@dataclass(frozen=True)
class Plan:
    """One plan to compare: its label, result tables, summary and where it came from."""

    label: str
    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    source: str = ""


@dataclass(frozen=True)
class Comparison:
    """Every plan against the first: one table each, long format with a ``plan`` column."""

    plans: list[Plan]
    kpis: pd.DataFrame
    investments: pd.DataFrame
    budget: pd.DataFrame
    limits: pd.DataFrame
    story: dict[str, str] = field(default_factory=dict)  # plan label -> paragraph

    @property
    def reference(self) -> Plan:
        return self.plans[0]


def compare(plans: list[Plan]) -> Comparison:
    """Compare every plan with the first (see the module docstring)."""
    if len(plans) < 2:
        raise ValueError("compare needs at least two plans")
    ref, others = plans[0], plans[1:]
    investments = [investment_changes(ref, p.label, p) for p in others]
    budgets = [budget_shifts(ref, p.label, p) for p in others]
    limits = [limit_changes(ref, p.label, p) for p in others]
    stories = {
        p.label: story(ref, p, inv, bud, lim)
        for p, inv, bud, lim in zip(others, investments, budgets, limits, strict=True)
    }
    return Comparison(
        plans,
        kpi_table(plans),
        pd.concat(investments, ignore_index=True),
        pd.concat(budgets, ignore_index=True),
        pd.concat(limits, ignore_index=True),
        stories,
    )
