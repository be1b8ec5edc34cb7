"""Tiny hedge cases worked by hand (used by tests/test_hedge*.py).

Three one-year periods Y1..Y3, no discounting, pods of one unit costing RMB 1 M that last
three periods and give 1 ZFLOP per period, 0.1 MW each with 1 MW existing (at most 10
pods), sold only in Y1.  Y1 demand is 5 ZFLOP; from Y2 demand is 2 (bust) or 10 (boom)
ZFLOP a period, each with probability 1/2, known at the start of Y2; every ZFLOP earns
RMB 2 M.  Buying k pods in Y1 (5 <= k <= 10) earns 10 in Y1 and 4 min(k, D) later:

    value(bust) = 18 - k,  value(boom) = 10 + 3k,  E = 14 + k  ->  RP = 24 at k = 10
    WS = (13 + 40) / 2 = 26.5;  EV (D = 6): k = 6, EV = 28;  EEV (k = 6) = 20
    EVPI = 2.5, VSS = 4.  CVaR_0.5 = value(bust): with cvar_weight 1 the plan is k = 5.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.tiny import case, part

PERIODS = ["Y1", "Y2", "Y3"]


def tiny_hedge_model(root: Path) -> Path:
    supply = [
        {
            "part": "P",
            "market": m,
            "period": t,
            "units": 1e9 if t == "Y1" else 0,
            "price_premium": 0.0,
        }
        for m in ("china", "overseas")
        for t in PERIODS
    ]
    return case(
        root,
        model={"horizon": {"periods": PERIODS, "period_years": 1}},
        parts=[part(life_years=3)],
        supply=supply,
    )


def demand_edit(value: float, start: str = "Y2") -> dict[str, Any]:
    return {"table": "demand", "where": {"period": {"from": start}}, "set": {"demand_zflop": value}}


def write_futures(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def boom_bust(risk: dict[str, float] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": "demand bust or boom from Y2",
        "factors": {
            "demand": {
                "known_at": "Y2",
                "outcomes": {
                    "bust": {"probability": 0.5, "edits": [demand_edit(2.0)]},
                    "boom": {"probability": 0.5, "edits": [demand_edit(10.0)]},
                },
            }
        },
    }
    if risk is not None:
        out["risk"] = risk
    return out
