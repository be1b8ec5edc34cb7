"""The shipped futures files load and describe the trees docs/hedge.md promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from capplan.config.futures import load_futures
from capplan.hedge.futures_model import build_futures
from capplan.hedge.overlay import BaseInputs

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "base.yaml"
PERIODS = ["FY2026", "FY2027", "FY2028"]
# file -> (number of futures, number of distinct nodes per period)
SHIPPED = {
    "export_control": (3, [1, 3, 3]),
    "demand_growth": (9, [1, 3, 9]),
    "domestic_yield": (3, [1, 3, 3]),
    "combined": (81, [1, 27, 81]),
}


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_futures_build(name: str) -> None:
    futures = load_futures(ROOT / "models" / "futures" / f"{name}.yaml", PERIODS, MODEL)
    count, nodes = SHIPPED[name]
    assert len(futures.futures) == count
    assert sum(f.probability for f in futures.futures) == pytest.approx(1.0, abs=1e-12)
    for factor in futures.spec.factors.values():
        for outcome in factor.outcomes.values():
            assert outcome.source, "every outcome names its source or says assumption"
    if name == "combined":
        return  # building 81 models is the bench's work
    built = build_futures(BaseInputs.load(MODEL), futures)
    for t, want in enumerate(nodes):
        assert len({f.member.node(t) for f in built}) == want
